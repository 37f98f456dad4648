using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Gale.Triggers;

/// <summary>Stores triggers as <c>{"kind": …, "args": {…}}</c> and reads them back: built-ins by name, custom triggers by full type name.</summary>
public static class TriggerSerializer
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web);
    private static readonly ConcurrentDictionary<string, Type> Kinds = new(StringComparer.Ordinal)
    {
        ["datetime"] = typeof(DateTimeTrigger),
        ["timedelta"] = typeof(TimeDeltaTrigger),
        ["external_event"] = typeof(ExternalEventTrigger),
        ["http"] = typeof(HttpConditionTrigger),
        ["blob_exists"] = typeof(BlobExistsTrigger),
        ["external_task"] = typeof(ExternalTaskTrigger),
        ["dag_run_state"] = typeof(DagRunStateTrigger),
        ["run_tasks_finished"] = typeof(RunTasksFinishedTrigger),
    };

    /// <summary>Registers a trigger type under its <see cref="Trigger.Kind"/> (custom triggers are also found by type name without this).</summary>
    public static void Register<T>(string kind)
        where T : Trigger => Kinds[kind] = typeof(T);

    /// <summary>The stored form.</summary>
    public static string Serialize(Trigger trigger)
    {
        ArgumentNullException.ThrowIfNull(trigger);
        var args = JsonSerializer.SerializeToNode(trigger, trigger.GetType(), Json);
        return new JsonObject { ["kind"] = trigger.Kind, ["args"] = args }.ToJsonString();
    }

    /// <summary>Reads a stored trigger.</summary>
    /// <exception cref="InvalidOperationException">The kind is unknown in this process, or the arguments do not fit it.</exception>
    public static Trigger Deserialize(string stored)
    {
        ArgumentNullException.ThrowIfNull(stored);
        var node = JsonNode.Parse(stored)?.AsObject() ?? throw new InvalidOperationException("a stored trigger is empty");
        var kind = node["kind"]?.GetValue<string>() ?? throw new InvalidOperationException("a stored trigger has no kind");
        if (!Kinds.TryGetValue(kind, out var type))
        {
            type = Find(kind) ?? throw new InvalidOperationException($"trigger kind '{kind}' is not known in this process");
            Kinds[kind] = type;
        }

        try
        {
            return (Trigger)(node["args"].Deserialize(type, Json) ?? throw new InvalidOperationException($"trigger '{kind}' has no arguments"));
        }
        catch (JsonException e)
        {
            throw new InvalidOperationException($"trigger '{kind}': {e.Message}", e);
        }
    }

    private static Type? Find(string kind) =>
        AppDomain.CurrentDomain.GetAssemblies()
            .Select(a => a.GetType(kind, throwOnError: false))
            .FirstOrDefault(t => t is not null && t.IsSubclassOf(typeof(Trigger)) && !t.IsAbstract);
}
