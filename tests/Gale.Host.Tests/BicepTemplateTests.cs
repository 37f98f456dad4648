using System.Text.RegularExpressions;

namespace Gale.Host.Tests;

/// <summary>
/// What can be checked in <c>infra/bicep/main.bicep</c> without a Bicep compiler (none is available where Gale is
/// built): the resources it declares, the role definitions it assigns, the app settings Gale and the Functions host
/// read, a description on every parameter, balanced brackets, and that <c>infra/bicep/README.md</c> documents
/// exactly its parameters.
/// </summary>
public sealed partial class BicepTemplateTests
{
    private static readonly string TemplatePath = Path.Combine(RepoRoot.Path, "infra", "bicep", "main.bicep");
    private static readonly string ReadmePath = Path.Combine(RepoRoot.Path, "infra", "bicep", "README.md");

    public static TheoryData<string> ResourceTypes() =>
    [
        "Microsoft.Storage/storageAccounts",
        "Microsoft.Storage/storageAccounts/blobServices/containers",
        "Microsoft.Web/serverfarms",
        "Microsoft.Web/sites",
        "Microsoft.EventHub/namespaces",
        "Microsoft.EventHub/namespaces/eventhubs",
        "Microsoft.EventHub/namespaces/eventhubs/consumergroups",
        "Microsoft.OperationalInsights/workspaces",
        "Microsoft.Insights/components",
        "Microsoft.ManagedIdentity/userAssignedIdentities",
        "Microsoft.Authorization/roleAssignments",
        "Microsoft.EventGrid/systemTopics",
    ];

    // Built-in role IDs as published in https://learn.microsoft.com/azure/role-based-access-control/built-in-roles
    // (Storage, Analytics and Monitor categories).
    public static TheoryData<string, string> RoleDefinitions() => new()
    {
        { "Storage Blob Data Contributor", "ba92f5b4-2d11-453d-a403-e96b0029c9fe" },
        { "Storage Blob Data Owner", "b7e6dc6d-f1e8-4753-8033-0f276bb0955b" },
        { "Storage Queue Data Contributor", "974c5e8b-45b9-4653-ba55-5f855dd0fb88" },
        { "Storage Table Data Contributor", "0a9a7e1f-b9d0-4cc4-a60d-0319b160aaa3" },
        { "Azure Event Hubs Data Receiver", "a638d3c7-ab3a-418d-83e6-5f17a39d4fde" },
        { "Monitoring Metrics Publisher", "3913510d-42f4-4e42-8a64-420c390055eb" },
    };

    public static TheoryData<string> AppSettings() =>
    [
        "AzureWebJobsStorage__accountName",
        "AzureWebJobsStorage__credential",
        "AzureWebJobsStorage__clientId",
        "APPLICATIONINSIGHTS_CONNECTION_STRING",
        "FUNCTIONS_EXTENSION_VERSION",
        "FUNCTIONS_WORKER_RUNTIME",
        "GALE_TASKHUB_NAME",
        "GALE_EVENTHUB_WATCHER_CONSUMER_GROUP",
        "GALE_EVENTHUB__fullyQualifiedNamespace",
        "GALE_EVENTHUB__credential",
        "GALE_EVENTHUB__clientId",
        "GALE_WATCH_CONTAINER",
        "GALE_API_KEYS",
        "GALE_AUTH_TENANT_ID",
        "GALE_AUTH_AUDIENCE",
        "OTEL_SERVICE_NAME",
    ];

    [Theory]
    [MemberData(nameof(ResourceTypes))]
    public void MainBicep_RequiredResourceType_IsDeclared(string type)
    {
        var declared = ResourceDeclaration().Matches(Template()).Select(m => m.Groups["type"].Value).ToHashSet(StringComparer.Ordinal);

        Assert.Contains(type, declared);
    }

    [Fact]
    public void MainBicep_ResourceDeclarations_UseDatedApiVersions()
    {
        var versions = ResourceDeclaration().Matches(Template()).Select(m => (Type: m.Groups["type"].Value, Version: m.Groups["version"].Value)).ToList();

        Assert.NotEmpty(versions);
        Assert.All(versions, v => Assert.Matches(@"^\d{4}-\d{2}-\d{2}$", v.Version)); // stable, no -preview
        Assert.Contains(versions, v => v.Type == "Microsoft.Web/sites" && string.CompareOrdinal(v.Version, "2023-12-01") >= 0); // functionAppConfig
    }

    [Theory]
    [MemberData(nameof(RoleDefinitions))]
    public void MainBicep_RoleDefinition_IsAssignedById(string role, string id)
    {
        Assert.True(Template().Contains($"'{id}'", StringComparison.Ordinal), $"{role} ({id}) is not in main.bicep");
    }

    [Fact]
    public void MainBicep_RoleAssignments_ReferToRoleDefinitionsBySubscriptionResourceId()
    {
        var code = BicepSource.CodeOnly(Template());

        Assert.Contains("subscriptionResourceId('Microsoft.Authorization/roleDefinitions'", Template(), StringComparison.Ordinal);
        Assert.DoesNotContain("roleDefinitionId: '", Template(), StringComparison.Ordinal); // never a bare GUID
        Assert.Contains("principalType", code, StringComparison.Ordinal);
    }

    [Theory]
    [MemberData(nameof(AppSettings))]
    public void MainBicep_AppSetting_IsSet(string setting)
    {
        Assert.Contains($"name: '{setting}'", Template(), StringComparison.Ordinal);
    }

    [Fact]
    public void MainBicep_FlexConsumptionApp_RunsTheIsolatedWorkerFromIdentityReadDeploymentStorage()
    {
        var template = Template();

        Assert.Contains("functionAppConfig: {", template, StringComparison.Ordinal);
        Assert.Matches(@"runtime: \{\s*name: 'dotnet-isolated'\s*version: '10\.0'\s*\}", template);
        Assert.Contains("linuxFxVersion: 'DOTNET-ISOLATED|10.0'", template, StringComparison.Ordinal);
        Assert.DoesNotContain("'custom'", template, StringComparison.Ordinal);
        Assert.Matches(@"type: 'UserAssignedIdentity'\s*userAssignedIdentityResourceId: identity\.id", template);
        Assert.Contains("maximumInstanceCount: maximumInstanceCount", template, StringComparison.Ordinal);
        Assert.Contains("instanceMemoryMB: instanceMemoryMB", template, StringComparison.Ordinal);
        Assert.Contains("kind: 'functionapp,linux'", template, StringComparison.Ordinal);
    }

    [Fact]
    public void MainBicep_StorageAccount_AllowsNeitherSharedKeysNorPublicBlobsNorOldTls()
    {
        var template = Template();

        Assert.Contains("allowSharedKeyAccess: false", template, StringComparison.Ordinal);
        Assert.Contains("allowBlobPublicAccess: false", template, StringComparison.Ordinal);
        Assert.Contains("minimumTlsVersion: 'TLS1_2'", template, StringComparison.Ordinal);
        Assert.DoesNotContain("listKeys(", template, StringComparison.Ordinal);
        Assert.DoesNotContain("AccountKey=", template, StringComparison.Ordinal);
        Assert.DoesNotContain("'WEBSITE_CONTENTAZUREFILECONNECTIONSTRING'", template, StringComparison.Ordinal);
    }

    [Fact]
    public void MainBicep_EveryParam_HasADescription()
    {
        var parameters = BicepSource.Parameters(Template());

        Assert.NotEmpty(parameters);
        Assert.All(parameters, p => Assert.True(
            p.Decorators.Contains("@description('", StringComparison.Ordinal) || p.Decorators.Contains("@sys.description('", StringComparison.Ordinal),
            $"param {p.Name} has no @description"));
    }

    [Fact]
    public void MainBicep_ApiKeysParam_IsSecure()
    {
        var apiKeys = Assert.Single(BicepSource.Parameters(Template()), p => p.Name == "apiKeys");

        Assert.Contains("@secure()", apiKeys.Decorators, StringComparison.Ordinal);
    }

    [Fact]
    public void MainBicep_OutsideStringsAndComments_BracketsBalance()
    {
        var code = BicepSource.CodeOnly(Template());

        Assert.Null(BicepSource.BracketProblem(code));
    }

    [Fact]
    public void MainBicep_Outputs_IncludeWhatTheDeployGuideReads()
    {
        var outputs = Output().Matches(Template()).Select(m => m.Groups["name"].Value).ToHashSet(StringComparer.Ordinal);

        Assert.Superset(new HashSet<string>(StringComparer.Ordinal) { "functionAppName", "defaultHostName", "hostingPlan", "storageAccountName", "identityClientId", "eventHubNamespace", "blobEventsTopicName", "applicationInsightsName" }, outputs);
    }

    [Fact]
    public void ReadmeParameterTable_ComparedWithMainBicep_ListsExactlyItsParams()
    {
        var declared = BicepSource.Parameters(Template()).Select(p => p.Name).ToHashSet(StringComparer.Ordinal);
        var documented = ReadmeParameters();

        Assert.Empty(documented.Except(declared)); // documented but not declared
        Assert.Empty(declared.Except(documented)); // declared but not documented
    }

    [Theory]
    [InlineData("var a = '${replace(x, '-', '')}'", "var a = replace(x, , )")]
    [InlineData("var b = 'it\\'s { not code'", "var b = ")]
    [InlineData("var c = '''\nmulti { line ${x}\n'''", "var c = ")]
    [InlineData("var d = { k: 'v' } // trailing { comment\n/* block [ */ [1]", "var d = { k:  } \n [1]")]
    [InlineData("var e = '${a ? { x: '}' } : {}}'", "var e = a ? { x:  } : {}")]
    public void CodeOnly_StringsCommentsAndInterpolations_KeepsOnlyCode(string source, string expected)
    {
        Assert.Equal(expected, BicepSource.CodeOnly(source));
    }

    [Theory]
    [InlineData("var a = 'never closed")]
    [InlineData("var b = '${x'")]
    [InlineData("/* never closed")]
    public void CodeOnly_UnclosedStringOrComment_Throws(string source)
    {
        Assert.Throws<FormatException>(() => BicepSource.CodeOnly(source));
    }

    [Theory]
    [InlineData("{ [ ( ) ] }", null)]
    [InlineData("{ [ }", "'}' at line 1, column 5 closes '[' opened at line 1, column 3")]
    [InlineData("{ ( ] }", "']' at line 1, column 5 closes '(' opened at line 1, column 3")]
    [InlineData("( ) )", "')' at line 1, column 5 closes nothing")]
    [InlineData("{\n{", "'{' opened at line 2, column 1 is never closed")]
    public void BracketProblem_Code_NamesTheFirstMismatch(string code, string? expected)
    {
        Assert.Equal(expected, BicepSource.BracketProblem(code));
    }

    [Fact]
    public void Parameters_MultiLineDecorators_AreCollectedUpToTheDeclaration()
    {
        const string source = "var x = 1\n\n// a comment\n@description('The size.')\n@allowed([\n  'EP1'\n  'EP2'\n])\nparam sku string = 'EP1'\nparam bare int = 1\n";

        var parameters = BicepSource.Parameters(source);

        Assert.Equal(["sku", "bare"], parameters.Select(p => p.Name));
        Assert.Contains("@description('The size.')", parameters[0].Decorators, StringComparison.Ordinal);
        Assert.Contains("'EP2'", parameters[0].Decorators, StringComparison.Ordinal);
        Assert.DoesNotContain("comment", parameters[0].Decorators, StringComparison.Ordinal);
        Assert.Equal(string.Empty, parameters[1].Decorators);
    }

    private static string Template() => File.ReadAllText(TemplatePath);

    // The first column of the rows of the table under "## Parameters": | `name` | type | default | description |
    private static HashSet<string> ReadmeParameters()
    {
        var lines = File.ReadAllLines(ReadmePath);
        var start = Array.FindIndex(lines, l => l.Trim() == "## Parameters");
        Assert.True(start >= 0, "infra/bicep/README.md has no '## Parameters' section");
        var names = new HashSet<string>(StringComparer.Ordinal);
        foreach (var line in lines.Skip(start + 1).TakeWhile(l => !l.StartsWith("## ", StringComparison.Ordinal)))
        {
            var match = ReadmeParameterRow().Match(line);
            if (match.Success)
            {
                Assert.True(names.Add(match.Groups["name"].Value), $"{match.Groups["name"].Value} is documented twice");
            }
        }

        Assert.NotEmpty(names);
        return names;
    }

    [GeneratedRegex(@"^resource\s+\w+\s+'(?<type>[A-Za-z.]+/[A-Za-z/]+)@(?<version>[0-9A-Za-z-]+)'", RegexOptions.Multiline)]
    private static partial Regex ResourceDeclaration();

    [GeneratedRegex(@"^output\s+(?<name>\w+)\s", RegexOptions.Multiline)]
    private static partial Regex Output();

    [GeneratedRegex(@"^\|\s*`(?<name>[A-Za-z_][A-Za-z0-9_]*)`\s*\|")]
    private static partial Regex ReadmeParameterRow();
}
