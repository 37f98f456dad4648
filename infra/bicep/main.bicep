// Gale on Azure Functions: one Linux .NET 10 isolated-worker Durable Functions app (src/Functions), on Flex Consumption (default)
// or Elastic Premium, with its storage account, Event Hubs, Application Insights, a user-assigned managed identity
// and the data-plane role assignments that identity needs. No connection strings or account keys anywhere:
// every connection (host storage, Flex deployment storage, Event Hubs, Application Insights) uses the identity.
// Parameters and the reasoning behind each choice: infra/bicep/README.md. Deployment steps: docs/deploy.md.

targetScope = 'resourceGroup'

// ---------------------------------------------------------------------------------------------------------------
// Parameters
// ---------------------------------------------------------------------------------------------------------------

@description('Prefix of every resource name: 2 to 10 lowercase letters, digits or hyphens, starting with a letter. A hash of the resource group and this prefix is appended, so names are unique and stable across redeployments.')
@minLength(2)
@maxLength(10)
param namePrefix string = 'gale'

@description('Azure region of every resource. Flex Consumption is not offered in every region: list them with `az functionapp list-flexconsumption-locations`.')
param location string = resourceGroup().location

@description('Hosting plan of the function app: FlexConsumption (serverless, scales to zero, Linux) or ElasticPremium (always-warm EP1/EP2/EP3 instances). Cannot be switched on an existing app: deploy to a new resource group instead.')
@allowed([
  'FlexConsumption'
  'ElasticPremium'
])
param hostingPlan string = 'FlexConsumption'

@description('Durable Task hub every DAG run is an orchestration in (GALE_TASKHUB_NAME, read by host.json): 3 to 45 letters or digits, starting with a letter. Two apps on one storage account need different hubs.')
@minLength(3)
@maxLength(45)
param taskHubName string = 'gale'

@description('Also create a Durable Task Scheduler (Consumption SKU) with a task hub named taskHubName, give the app identity Durable Task Data Contributor on it and set DURABLE_TASK_SCHEDULER_CONNECTION_STRING. The app keeps running on the Azure Storage backend until its host.json switches to the scheduler (docs/deploy.md, "Durable Task Scheduler").')
param durableTaskScheduler bool = false

@description('Elastic Premium plan size (ElasticPremium only): EP1 (1 vCPU, 3.5 GB), EP2 (2 vCPU, 7 GB) or EP3 (4 vCPU, 14 GB).')
@allowed([
  'EP1'
  'EP2'
  'EP3'
])
param elasticPremiumSku string = 'EP1'

@description('Largest number of instances the Elastic Premium plan may scale out to (ElasticPremium only).')
@minValue(1)
@maxValue(100)
param maximumElasticWorkerCount int = 20

@description('Largest number of instances the app may scale out to (FlexConsumption only). The platform currently accepts 40 to 1000.')
@minValue(40)
@maxValue(1000)
param maximumInstanceCount int = 100

@description('Memory of each Flex Consumption instance in MB (FlexConsumption only); CPU and network scale with it.')
@allowed([
  512
  2048
  4096
])
param instanceMemoryMB int = 2048

@description('Replication of the storage account (Gale tables, queues and blobs, the Functions host state and the deployment package).')
@allowed([
  'Standard_LRS'
  'Standard_ZRS'
  'Standard_GRS'
  'Standard_GZRS'
  'Standard_RAGRS'
  'Standard_RAGZRS'
])
param storageSku string = 'Standard_LRS'

@description('Blob container the `blobs` function watches (GALE_WATCH_CONTAINER): a new blob there wakes its blob watchers at once. Created by this template.')
@minLength(3)
@maxLength(63)
param watchContainerName string = 'landing'

@description('Event Hubs namespace tier. Basic is not offered: it has no consumer groups besides $Default.')
@allowed([
  'Standard'
  'Premium'
])
param eventHubSku string = 'Standard'

@description('Name of the event hub Event Hubs watchers read (their event_hub in a DAG).')
@minLength(1)
@maxLength(256)
param eventHubName string = 'gale'

@description('Consumer group the Event Hubs watchers read with (GALE_EVENTHUB_WATCHER_CONSUMER_GROUP). Give Gale its own group; $Default is accepted and then not created.')
@minLength(1)
@maxLength(50)
param eventHubConsumerGroupName string = 'gale'

@description('Partitions of the event hub (the most parallel readers). Standard allows up to 32; the count cannot be lowered later.')
@minValue(1)
@maxValue(32)
param eventHubPartitionCount int = 2

@description('Days the event hub keeps events: 1 to 7 on Standard, up to 90 on Premium.')
@minValue(1)
@maxValue(90)
param eventHubMessageRetentionInDays int = 1

@description('Days the Log Analytics workspace behind Application Insights keeps logs (30 to 730).')
@minValue(30)
@maxValue(730)
param logRetentionInDays int = 30

@description('When true, Application Insights accepts only Entra ID authenticated telemetry (the app sends it with its managed identity, which gets Monitoring Metrics Publisher).')
param appInsightsDisableLocalAuth bool = true

@description('Gale API keys (GALE_API_KEYS): comma-separated KEY:admin or KEY:read pairs, keys of 16 characters or more. Empty leaves the API closed except health and version.')
@secure()
param apiKeys string = ''

@description('Optional Entra ID tenant for bearer-token API auth (GALE_AUTH_TENANT_ID). Set only when not empty; see README for what reads it.')
param authTenantId string = ''

@description('Optional Entra ID audience (application ID URI or client ID) for bearer-token API auth (GALE_AUTH_AUDIENCE). Set only when not empty.')
param authAudience string = ''

@description('When true, the identity also gets Storage Account Contributor on the storage account, which the Functions docs list for blob triggers whose AzureWebJobsStorage uses an identity. It is a management role that can list account keys; set false if the blobs function works without it.')
param assignStorageAccountContributor bool = true

@description('Optional object ID of the person, group or service principal who deploys: it gets Storage Blob Data Contributor on the storage account to upload the Elastic Premium package and YAML DAGs (`az ad signed-in-user show --query id -o tsv`).')
param deployerPrincipalId string = ''

@description('Kind of principal in deployerPrincipalId.')
@allowed([
  'User'
  'Group'
  'ServicePrincipal'
])
param deployerPrincipalType string = 'User'

@description('Tags applied to every resource.')
param tags object = {}

// ---------------------------------------------------------------------------------------------------------------
// Names and constants
// ---------------------------------------------------------------------------------------------------------------

var isFlex = hostingPlan == 'FlexConsumption'
var token = toLower(uniqueString(resourceGroup().id, namePrefix))
var storageAccountName = take(toLower('st${replace(namePrefix, '-', '')}${token}'), 24)
var functionAppName = '${namePrefix}-func-${token}'
var planName = '${namePrefix}-plan-${token}'
var identityName = '${namePrefix}-id-${token}'
var logAnalyticsName = '${namePrefix}-log-${token}'
var appInsightsName = '${namePrefix}-appi-${token}'
var eventHubNamespaceName = '${namePrefix}-ehns-${token}'
var blobEventsTopicName = '${namePrefix}-blobevents-${token}'
var schedulerName = '${namePrefix}-dts-${token}'

// Flex Consumption writes its package (released-package.zip) here; Elastic Premium runs gale.zip from here.
var deploymentContainerName = 'app-package'
var premiumPackageBlobName = 'gale.zip'
// Gale reads YAML DAGs from this container (it creates it too, but uploads may come before the first start).
var dagsContainerName = 'dags'

// Built-in role definition IDs, checked against https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
var storageBlobDataOwnerRoleId = 'b7e6dc6d-f1e8-4753-8033-0f276bb0955b'
var storageBlobDataContributorRoleId = 'ba92f5b4-2d11-453d-a403-e96b0029c9fe'
var storageQueueDataContributorRoleId = '974c5e8b-45b9-4653-ba55-5f855dd0fb88'
var storageTableDataContributorRoleId = '0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3'
var storageAccountContributorRoleId = '17d1049b-9a84-46fb-8f53-869881c3d3ab'
var eventHubsDataReceiverRoleId = 'a638d3c7-ab3a-418d-83e6-5f17a39d4fde'
var monitoringMetricsPublisherRoleId = '3913510d-42f4-4e42-8a64-420c390055eb'
var durableTaskDataContributorRoleId = '0ad04412-c4d5-4796-b79c-f76d14c8d402'

// Roles of the app identity on the storage account. Blob Data Owner: what the Functions host needs for
// AzureWebJobsStorage (keys, leases, timers, blob receipts); Blob/Queue/Table Data Contributor: Gale's own tables,
// queues and containers, the blob trigger's poison queue, and the Flex deployment container.
var baseStorageRoles = [
  {
    name: 'Storage Blob Data Owner'
    id: storageBlobDataOwnerRoleId
  }
  {
    name: 'Storage Blob Data Contributor'
    id: storageBlobDataContributorRoleId
  }
  {
    name: 'Storage Queue Data Contributor'
    id: storageQueueDataContributorRoleId
  }
  {
    name: 'Storage Table Data Contributor'
    id: storageTableDataContributorRoleId
  }
]
var accountContributorRole = assignStorageAccountContributor ? [
  {
    name: 'Storage Account Contributor'
    id: storageAccountContributorRoleId
  }
] : []
var storageRoles = concat(baseStorageRoles, accountContributorRole)

// ---------------------------------------------------------------------------------------------------------------
// Identity
// ---------------------------------------------------------------------------------------------------------------

resource identity 'Microsoft.ManagedIdentity/userAssignedIdentities@2023-01-31' = {
  name: identityName
  location: location
  tags: tags
}

// ---------------------------------------------------------------------------------------------------------------
// Storage: Gale's tables, queues and blobs, the Functions host state, and the deployment package
// ---------------------------------------------------------------------------------------------------------------

resource storage 'Microsoft.Storage/storageAccounts@2024-01-01' = {
  name: storageAccountName
  location: location
  tags: tags
  kind: 'StorageV2'
  sku: {
    name: storageSku
  }
  properties: {
    accessTier: 'Hot'
    minimumTlsVersion: 'TLS1_2'
    supportsHttpsTrafficOnly: true
    allowBlobPublicAccess: false
    // Every client authenticates with Entra ID: the app through its managed identity (host storage, Flex
    // deployment storage, Elastic Premium package URL), people through `az ... --auth-mode login`.
    allowSharedKeyAccess: false
    defaultToOAuthAuthentication: true
    allowCrossTenantReplication: false
    publicNetworkAccess: 'Enabled'
    networkAcls: {
      bypass: 'AzureServices'
      defaultAction: 'Allow'
    }
  }
}

resource blobService 'Microsoft.Storage/storageAccounts/blobServices@2024-01-01' = {
  parent: storage
  name: 'default'
}

resource deploymentContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: deploymentContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource dagsContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = {
  parent: blobService
  name: dagsContainerName
  properties: {
    publicAccess: 'None'
  }
}

resource watchContainer 'Microsoft.Storage/storageAccounts/blobServices/containers@2024-01-01' = if (watchContainerName != dagsContainerName && watchContainerName != deploymentContainerName) {
  parent: blobService
  name: watchContainerName
  properties: {
    publicAccess: 'None'
  }
}

// The blob events of the account; the `blobs` function subscribes to it after the code is deployed
// (docs/deploy.md), because Event Grid validates the webhook when the subscription is created.
resource blobEventsTopic 'Microsoft.EventGrid/systemTopics@2022-06-15' = {
  name: blobEventsTopicName
  location: location
  tags: tags
  properties: {
    source: storage.id
    topicType: 'Microsoft.Storage.StorageAccounts'
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Event Hubs: the namespace, Gale's hub and its consumer group
// ---------------------------------------------------------------------------------------------------------------

resource eventHubNamespace 'Microsoft.EventHub/namespaces@2024-01-01' = {
  name: eventHubNamespaceName
  location: location
  tags: tags
  sku: {
    name: eventHubSku
    tier: eventHubSku
    capacity: 1
  }
  properties: {
    minimumTlsVersion: '1.2'
    // No SAS keys: the app reads with its managed identity (Azure Event Hubs Data Receiver).
    disableLocalAuth: true
    publicNetworkAccess: 'Enabled'
  }
}

resource eventHub 'Microsoft.EventHub/namespaces/eventhubs@2024-01-01' = {
  parent: eventHubNamespace
  name: eventHubName
  properties: {
    partitionCount: eventHubPartitionCount
    messageRetentionInDays: eventHubMessageRetentionInDays
  }
}

resource consumerGroup 'Microsoft.EventHub/namespaces/eventhubs/consumergroups@2024-01-01' = if (eventHubConsumerGroupName != '$Default') {
  parent: eventHub
  name: eventHubConsumerGroupName
  properties: {}
}

// serviceBusEndpoint is https://<namespace>.servicebus.windows.net:443/ (the suffix differs in sovereign clouds).
var eventHubFullyQualifiedNamespace = replace(split(split(eventHubNamespace.properties.serviceBusEndpoint, '//')[1], ':')[0], '/', '')

// ---------------------------------------------------------------------------------------------------------------
// Monitoring: workspace-based Application Insights
// ---------------------------------------------------------------------------------------------------------------

resource logAnalytics 'Microsoft.OperationalInsights/workspaces@2023-09-01' = {
  name: logAnalyticsName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'PerGB2018'
    }
    retentionInDays: logRetentionInDays
  }
}

resource appInsights 'Microsoft.Insights/components@2020-02-02' = {
  name: appInsightsName
  location: location
  tags: tags
  kind: 'web'
  properties: {
    Application_Type: 'web'
    WorkspaceResourceId: logAnalytics.id
    DisableLocalAuth: appInsightsDisableLocalAuth
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Role assignments of the app identity (data plane), and of the deployer when given
// ---------------------------------------------------------------------------------------------------------------

resource storageRoleAssignments 'Microsoft.Authorization/roleAssignments@2022-04-01' = [for role in storageRoles: {
  name: guid(storage.id, identity.id, role.id)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', role.id)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'Gale function app identity: ${role.name}'
  }
}]

resource eventHubReceiverRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(eventHub.id, identity.id, eventHubsDataReceiverRoleId)
  scope: eventHub
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', eventHubsDataReceiverRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'Gale function app identity: Azure Event Hubs Data Receiver'
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Durable Task Scheduler (optional): the managed backend Durable Functions recommends, as an alternative to the task
// hub in the storage account
// ---------------------------------------------------------------------------------------------------------------

resource scheduler 'Microsoft.DurableTask/schedulers@2025-11-01' = if (durableTaskScheduler) {
  name: schedulerName
  location: location
  tags: tags
  properties: {
    sku: {
      name: 'Consumption'
    }
    // An empty list refuses every caller; access is governed by the role below.
    ipAllowlist: [
      '0.0.0.0/0'
    ]
  }
}

resource schedulerTaskHub 'Microsoft.DurableTask/schedulers/taskHubs@2025-11-01' = if (durableTaskScheduler) {
  parent: scheduler
  name: taskHubName
}

resource schedulerRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (durableTaskScheduler) {
  name: guid(scheduler.id, identity.id, durableTaskDataContributorRoleId)
  scope: scheduler
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', durableTaskDataContributorRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'Gale function app identity: Durable Task Data Contributor'
  }
}

resource metricsPublisherRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = {
  name: guid(appInsights.id, identity.id, monitoringMetricsPublisherRoleId)
  scope: appInsights
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', monitoringMetricsPublisherRoleId)
    principalId: identity.properties.principalId
    principalType: 'ServicePrincipal'
    description: 'Gale function app identity: Monitoring Metrics Publisher (Entra ID telemetry)'
  }
}

resource deployerBlobRoleAssignment 'Microsoft.Authorization/roleAssignments@2022-04-01' = if (!empty(deployerPrincipalId)) {
  name: guid(storage.id, deployerPrincipalId, storageBlobDataContributorRoleId)
  scope: storage
  properties: {
    roleDefinitionId: subscriptionResourceId('Microsoft.Authorization/roleDefinitions', storageBlobDataContributorRoleId)
    principalId: deployerPrincipalId
    principalType: deployerPrincipalType
    description: 'Gale deployer: upload packages and YAML DAGs'
  }
}

// ---------------------------------------------------------------------------------------------------------------
// App settings
// ---------------------------------------------------------------------------------------------------------------

// Settings of both plans. AzureWebJobsStorage is identity-based (no connection string); Gale reads the same
// settings (src/Storage/StorageConnection.cs, FromSettings); the Durable Task hub (GALE_TASKHUB_NAME, host.json's
// hubName) lives in the same account. The Event Hubs watchers' connection is GALE_EVENTHUB.
var commonAppSettings = [
  {
    name: 'AzureWebJobsStorage__accountName'
    value: storage.name
  }
  {
    name: 'AzureWebJobsStorage__credential'
    value: 'managedidentity'
  }
  {
    name: 'AzureWebJobsStorage__clientId'
    value: identity.properties.clientId
  }
  {
    name: 'APPLICATIONINSIGHTS_CONNECTION_STRING'
    value: appInsights.properties.ConnectionString
  }
  {
    name: 'APPLICATIONINSIGHTS_AUTHENTICATION_STRING'
    value: 'ClientId=${identity.properties.clientId};Authorization=AAD'
  }
  {
    name: 'GALE_TASKHUB_NAME'
    value: taskHubName
  }
  {
    name: 'GALE_EVENTHUB_WATCHER_CONSUMER_GROUP'
    value: eventHubConsumerGroupName
  }
  {
    name: 'GALE_EVENTHUB__fullyQualifiedNamespace'
    value: eventHubFullyQualifiedNamespace
  }
  {
    name: 'GALE_EVENTHUB__credential'
    value: 'managedidentity'
  }
  {
    name: 'GALE_EVENTHUB__clientId'
    value: identity.properties.clientId
  }
  {
    name: 'GALE_WATCH_CONTAINER'
    value: watchContainerName
  }
  {
    name: 'OTEL_SERVICE_NAME'
    value: 'gale'
  }
]

// Elastic Premium only. Flex Consumption rejects or ignores these (its runtime, version and package location are
// functionAppConfig properties). No WEBSITE_CONTENTAZUREFILECONNECTIONSTRING / WEBSITE_CONTENTSHARE: Azure Files
// needs an account key, so the app runs without it ("Create an app without Azure Files" in the Functions storage
// docs): its package is a blob in a private container, fetched with the user-assigned identity.
var premiumAppSettings = [
  {
    name: 'FUNCTIONS_EXTENSION_VERSION'
    value: '~4'
  }
  {
    name: 'FUNCTIONS_WORKER_RUNTIME'
    value: 'dotnet-isolated'
  }
  {
    name: 'WEBSITE_RUN_FROM_PACKAGE'
    value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}/${premiumPackageBlobName}'
  }
  {
    name: 'WEBSITE_RUN_FROM_PACKAGE_BLOB_MI_RESOURCE_ID'
    value: identity.id
  }
]

var apiKeySettings = empty(apiKeys) ? [] : [
  {
    name: 'GALE_API_KEYS'
    value: apiKeys
  }
]

var authTenantSettings = empty(authTenantId) ? [] : [
  {
    name: 'GALE_AUTH_TENANT_ID'
    value: authTenantId
  }
]

var authAudienceSettings = empty(authAudience) ? [] : [
  {
    name: 'GALE_AUTH_AUDIENCE'
    value: authAudience
  }
]

var schedulerSettings = durableTaskScheduler ? [
  {
    name: 'DURABLE_TASK_SCHEDULER_CONNECTION_STRING'
    value: 'Endpoint=${scheduler!.properties.endpoint};Authentication=ManagedIdentity;ClientID=${identity.properties.clientId}'
  }
] : []

var planAppSettings = isFlex ? [] : premiumAppSettings
var appSettings = concat(commonAppSettings, planAppSettings, apiKeySettings, authTenantSettings, authAudienceSettings, schedulerSettings)

// ---------------------------------------------------------------------------------------------------------------
// Hosting plan and function app
// ---------------------------------------------------------------------------------------------------------------

var flexPlanSku = {
  name: 'FC1'
  tier: 'FlexConsumption'
}

var premiumPlanSku = {
  name: elasticPremiumSku
  tier: 'ElasticPremium'
}

var flexPlanProperties = {
  reserved: true
}

var premiumPlanProperties = {
  reserved: true
  maximumElasticWorkerCount: maximumElasticWorkerCount
}

resource plan 'Microsoft.Web/serverfarms@2024-04-01' = {
  name: planName
  location: location
  tags: tags
  kind: isFlex ? 'functionapp' : 'elastic'
  sku: isFlex ? flexPlanSku : premiumPlanSku
  properties: isFlex ? flexPlanProperties : premiumPlanProperties
}

var siteCommonProperties = {
  serverFarmId: plan.id
  httpsOnly: true
  keyVaultReferenceIdentity: identity.id
}

// Flex Consumption: the runtime is declared here (.NET isolated worker, version 10.0), the package lives in the
// deployment container and is read with the user-assigned identity.
var flexSiteProperties = {
  functionAppConfig: {
    deployment: {
      storage: {
        type: 'blobContainer'
        value: '${storage.properties.primaryEndpoints.blob}${deploymentContainerName}'
        authentication: {
          type: 'UserAssignedIdentity'
          userAssignedIdentityResourceId: identity.id
        }
      }
    }
    scaleAndConcurrency: {
      maximumInstanceCount: maximumInstanceCount
      instanceMemoryMB: instanceMemoryMB
    }
    runtime: {
      name: 'dotnet-isolated'
      version: '10.0'
    }
  }
  siteConfig: {
    appSettings: appSettings
  }
}

// Elastic Premium on Linux: the .NET 10 isolated stack (linuxFxVersion DOTNET-ISOLATED|10.0) with
// FUNCTIONS_WORKER_RUNTIME=dotnet-isolated.
var premiumSiteProperties = {
  siteConfig: {
    linuxFxVersion: 'DOTNET-ISOLATED|10.0'
    minTlsVersion: '1.2'
    ftpsState: 'Disabled'
    http20Enabled: true
    appSettings: appSettings
  }
}

resource functionApp 'Microsoft.Web/sites@2024-04-01' = {
  name: functionAppName
  location: location
  tags: tags
  kind: 'functionapp,linux'
  identity: {
    type: 'UserAssigned'
    userAssignedIdentities: {
      '${identity.id}': {}
    }
  }
  properties: union(siteCommonProperties, isFlex ? flexSiteProperties : premiumSiteProperties)
  // The identity must be able to read the deployment container and host storage before the app starts.
  dependsOn: [
    storageRoleAssignments
    eventHubReceiverRoleAssignment
    metricsPublisherRoleAssignment
    schedulerRoleAssignment
    deploymentContainer
    dagsContainer
    watchContainer
    consumerGroup
  ]
}

// ---------------------------------------------------------------------------------------------------------------
// Outputs
// ---------------------------------------------------------------------------------------------------------------

@description('Name of the function app.')
output functionAppName string = functionApp.name

@description('Default host name of the function app (use it for API calls and the Event Grid webhook).')
output defaultHostName string = functionApp.properties.defaultHostName

@description('Hosting plan the app runs on.')
output hostingPlan string = hostingPlan

@description('Name of the storage account (AzureWebJobsStorage__accountName).')
output storageAccountName string = storage.name

@description('Container holding the deployment package.')
output packageContainerName string = deploymentContainerName

@description('Blob the Elastic Premium app runs from (WEBSITE_RUN_FROM_PACKAGE); not used on Flex Consumption.')
output premiumPackageBlobName string = premiumPackageBlobName

@description('Client ID of the user-assigned identity (AzureWebJobsStorage__clientId, GALE_EVENTHUB__clientId).')
output identityClientId string = identity.properties.clientId

@description('Name of the Event Hubs namespace.')
output eventHubNamespace string = eventHubNamespace.name

@description('Fully qualified Event Hubs namespace (GALE_EVENTHUB__fullyQualifiedNamespace).')
output eventHubNamespaceFqdn string = eventHubFullyQualifiedNamespace

@description('Name of the event hub (the event_hub of an Event Hubs watcher in a DAG).')
output eventHubName string = eventHub.name

@description('Name of the Event Grid system topic of the storage account, for the blobs function subscription.')
output blobEventsTopicName string = blobEventsTopic.name

@description('Name of the Application Insights component.')
output applicationInsightsName string = appInsights.name

@description('Endpoint of the Durable Task Scheduler (empty unless durableTaskScheduler).')
output durableTaskSchedulerEndpoint string = durableTaskScheduler ? scheduler!.properties.endpoint : ''
