using Gale.Operators;
using Gale.Triggers;
using YamlDotNet.RepresentationModel;

namespace Gale.Yaml;

/// <summary>The YAML sensors: <c>http_sensor</c>, <c>blob_sensor</c>, <c>external_task_sensor</c> (docs/deferrable.md).</summary>
internal static class YamlSensors
{
    /// <summary>The sensor operator names.</summary>
    public static readonly string[] Names = ["http_sensor", "blob_sensor", "external_task_sensor"];

    /// <summary>Fields the sensors add to the operator fields.</summary>
    public static readonly string[] Fields =
    [
        "mode", "timeout", "soft_fail", "exponential_backoff", "contains", "event", "wait_for", "container", "blob", "prefix", "external_dag_id", "external_task_id", "execution_delta",
    ];

    /// <summary>The <c>wait_for_event</c> operator: <c>event</c>, optional <c>timeout</c> and <c>soft_fail</c>.</summary>
    public static WaitForEventOperator WaitForEvent(YamlNodeReader task, YamlMappingNode taskNode)
    {
        var name = task.String("event") ?? throw task.Error(taskNode, "event", "is required for wait_for_event (the event's name)");
        if (Gale.Runs.ExternalEvents.Create(name, null, DateTimeOffset.UnixEpoch).Problem is { } problem)
        {
            throw task.Error(task.Raw("event")!, "event", problem["name: ".Length..]);
        }

        return new WaitForEventOperator(name) { Timeout = task.Duration("timeout"), SoftFail = task.Bool("soft_fail") ?? false };
    }

    /// <summary>The sensor named <paramref name="name"/>.</summary>
    public static SensorOperator Read(string name, YamlNodeReader task, YamlMappingNode taskNode)
    {
        var interval = task.Duration("poke_interval") ?? TimeSpan.FromSeconds(60);
        var backoff = task.Bool("exponential_backoff") ?? false;
        Func<Gale.Execution.TaskContext, PollingTrigger> condition = name switch
        {
            "http_sensor" => Http(task, taskNode, interval, backoff),
            "blob_sensor" => Blob(task, taskNode, interval, backoff),
            _ => External(task, taskNode, interval, backoff),
        };
        var mode = task.String("mode") ?? "deferrable";
        return new SensorOperator(condition, name)
        {
            Mode = mode switch
            {
                "poke" => SensorMode.Poke,
                "reschedule" => SensorMode.Reschedule,
                "deferrable" => SensorMode.Deferrable,
                _ => throw task.Error(task.Raw("mode")!, "mode", $"'{mode}' is not a sensor mode (poke, reschedule or deferrable)"),
            },
            Timeout = task.Duration("timeout") ?? TimeSpan.FromDays(7),
            SoftFail = task.Bool("soft_fail") ?? false,
        };
    }

    private static Func<Gale.Execution.TaskContext, PollingTrigger> Http(YamlNodeReader task, YamlMappingNode taskNode, TimeSpan interval, bool backoff)
    {
        var url = task.String("url");
        var connection = task.String("http_conn_id");
        if (url is null && connection is null)
        {
            throw task.Error(taskNode, "url", "is required for http_sensor, unless http_conn_id (with an optional endpoint) is given");
        }

        var expected = task.StringList("expected_status")
            .Select(c => int.TryParse(c, out var code) && code is >= 100 and < 600 ? code : throw task.Error(task.Raw("expected_status")!, "expected_status", $"'{c}' is not an HTTP status code"))
            .ToList();
        var trigger = new HttpConditionTrigger
        {
            Url = url,
            HttpConnId = connection,
            Endpoint = task.String("endpoint"),
            Method = (task.String("method") ?? "GET").ToUpperInvariant(),
            ExpectedStatus = expected,
            Contains = task.String("contains"),
            PokeInterval = interval,
            ExponentialBackoff = backoff,
        };
        return _ => trigger;
    }

    private static Func<Gale.Execution.TaskContext, PollingTrigger> Blob(YamlNodeReader task, YamlMappingNode taskNode, TimeSpan interval, bool backoff)
    {
        var container = task.String("container") ?? throw task.Error(taskNode, "container", "is required for blob_sensor");
        var blob = task.String("blob");
        var prefix = task.String("prefix");
        if (blob is null == prefix is null)
        {
            throw task.Error(taskNode, blob is null ? "blob" : "prefix", "give exactly one of blob (one blob) or prefix (any blob under it)");
        }

        var trigger = new BlobExistsTrigger { Container = container, Name = blob ?? prefix!, IsPrefix = prefix is not null, PokeInterval = interval, ExponentialBackoff = backoff };
        return _ => trigger;
    }

    private static Func<Gale.Execution.TaskContext, PollingTrigger> External(YamlNodeReader task, YamlMappingNode taskNode, TimeSpan interval, bool backoff)
    {
        var dagId = task.String("external_dag_id") ?? throw task.Error(taskNode, "external_dag_id", "is required for external_task_sensor");
        var taskId = task.String("external_task_id");
        var delta = task.Duration("execution_delta") ?? TimeSpan.Zero;
        var allowed = task.StringList("allowed_states");
        var failed = task.StringList("failed_states");
        // Airflow's ExternalTaskSensor: the other run has this run's logical date minus execution_delta.
        return ctx => new ExternalTaskTrigger
        {
            ExternalDagId = dagId,
            ExternalTaskId = taskId,
            LogicalDate = ctx.LogicalDate - delta,
            AllowedStates = allowed.Count > 0 ? allowed : ["success"],
            FailedStates = failed,
            PokeInterval = interval,
            ExponentialBackoff = backoff,
        };
    }
}
