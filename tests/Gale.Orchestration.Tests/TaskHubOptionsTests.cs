using Gale.Orchestration.AzureStorage;

namespace Gale.Orchestration.Tests;

public sealed class TaskHubOptionsTests
{
    [Fact]
    public void FromSettings_None_TheDefaults() =>
        Assert.Equal(new TaskHubOptions(), TaskHubOptions.FromSettings(_ => null));

    [Fact]
    public void FromSettings_Every_Read()
    {
        var settings = new Dictionary<string, string>
        {
            [TaskHubOptions.HubNameSetting] = "prodHub2",
            [TaskHubOptions.PartitionsSetting] = "8",
            [TaskHubOptions.PollingSetting] = "250",
            [TaskHubOptions.ActivitiesSetting] = "64",
            [TaskHubOptions.OrchestrationsSetting] = "4",
            [TaskHubOptions.ExtendedSessionsSetting] = "true",
            [TaskHubOptions.RecoverySetting] = "45",
            [TaskHubOptions.LeaseSetting] = "12",
            [TaskHubOptions.TriesPerHistorySetting] = "500",
        };

        var options = TaskHubOptions.FromSettings(settings.GetValueOrDefault);

        Assert.Equal(new TaskHubOptions { HubName = "prodHub2", PartitionCount = 8, MaxQueuePollingInterval = TimeSpan.FromMilliseconds(250), MaxConcurrentActivities = 64, MaxConcurrentOrchestrations = 4, ExtendedSessions = true, MessageVisibility = TimeSpan.FromSeconds(45), LeaseInterval = TimeSpan.FromSeconds(12), TriesPerHistory = 500 }, options);
    }

    [Theory]
    [InlineData(TaskHubOptions.HubNameSetting, "my-hub", "GALE_TASKHUB_NAME: 'my-hub' is not a task hub name")]
    [InlineData(TaskHubOptions.HubNameSetting, "1hub", "GALE_TASKHUB_NAME: '1hub' is not a task hub name")]
    [InlineData(TaskHubOptions.PartitionsSetting, "17", "GALE_TASKHUB_PARTITIONS: 17 partitions")]
    [InlineData(TaskHubOptions.PartitionsSetting, "0", "GALE_TASKHUB_PARTITIONS: '0' is not a positive whole number")]
    [InlineData(TaskHubOptions.ExtendedSessionsSetting, "yes", "GALE_TASKHUB_EXTENDED_SESSIONS: 'yes' is not true or false")]
    [InlineData(TaskHubOptions.RecoverySetting, "10", "GALE_TASKHUB_RECOVERY_SECONDS: 10 s; at least 40")]
    [InlineData(TaskHubOptions.TriesPerHistorySetting, "-5", "GALE_TASKHUB_TRIES_PER_HISTORY: '-5' is not a positive whole number")]
    public void FromSettings_Malformed_FormatExceptionNamingTheSetting(string name, string value, string expected)
    {
        var error = Assert.Throws<FormatException>(() => TaskHubOptions.FromSettings(n => n == name ? value : null));

        Assert.Contains(expected, error.Message, StringComparison.Ordinal);
    }
}
