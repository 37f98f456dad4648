using System.Text.Json;
using System.Text.Json.Serialization;
using Gale.Runs;
using Gale.Runs.Events;

namespace Gale.Engine;

/// <summary>A task-queue message: run attempt <see cref="TryNumber"/> of one task instance.</summary>
/// <param name="DagId">The DAG.</param>
/// <param name="RunId">The run.</param>
/// <param name="TaskId">The task.</param>
/// <param name="MapIndex">The map index (-1 when unmapped).</param>
/// <param name="TryNumber">The attempt.</param>
public sealed record AttemptMessage(string DagId, string RunId, string TaskId, int MapIndex, int TryNumber)
{
    /// <summary>The run.</summary>
    [JsonIgnore]
    public RunKey Run => new(DagId, RunId);

    /// <summary>The task instance.</summary>
    [JsonIgnore]
    public TaskInstanceKey Task => new(TaskId, MapIndex);

    /// <summary>Stable id of this attempt, used to derive event ids.</summary>
    [JsonIgnore]
    public string AttemptId => $"{DagId}/{RunId}/{TaskId}/{MapIndex}/{TryNumber}";
}

/// <summary>A control-queue message: an event for one run.</summary>
/// <param name="DagId">The DAG.</param>
/// <param name="RunId">The run.</param>
/// <param name="Event">The event.</param>
public sealed record ControlMessage(string DagId, string RunId, RunEvent Event)
{
    /// <summary>The run.</summary>
    [JsonIgnore]
    public RunKey Run => new(DagId, RunId);
}

/// <summary>Serialises engine messages as compact JSON.</summary>
public static class EngineMessages
{
    private static readonly JsonSerializerOptions Options = new(JsonSerializerDefaults.Web);

    /// <summary>Writes a message.</summary>
    public static string Serialize<T>(T message) => JsonSerializer.Serialize(message, Options);

    /// <summary>Reads a message.</summary>
    /// <exception cref="JsonException">The body is not a valid message.</exception>
    public static T Deserialize<T>(string body) =>
        JsonSerializer.Deserialize<T>(body, Options) ?? throw new JsonException($"Empty {typeof(T).Name}.");
}
