using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;
using Azure.Data.Tables;
using Gale.Runs;

namespace Gale.Storage.Engine;

/// <summary>
/// Maps a <see cref="RunSnapshot"/> to table entities in one partition: a header (RowKey <c>run</c>) with the run's
/// fields, and task-instance chunks (RowKey <c>ti-0000</c>…) each holding a compressed JSON array of the instances
/// whose key hashes to that chunk. Spreading instances over chunks keeps every entity far below 1 MiB and lets a
/// commit rewrite only the chunks it changed.
/// </summary>
internal static class RunSnapshotCodec
{
    public const string HeaderRowKey = "run";
    public const string ChunkPrefix = "ti-";
    public const string HistoryPrefix = "h-";
    public const int InstancesPerChunk = 128;
    public const int MaxChunks = 90;

    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    public static int ChunkCountFor(int taskInstances) => Math.Clamp((taskInstances + InstancesPerChunk - 1) / InstancesPerChunk, 1, MaxChunks);

    public static int ChunkOf(TaskInstanceKey key, int chunks)
    {
        // FNV-1a: stable across processes (string.GetHashCode is randomised per process).
        var hash = 2166136261u;
        foreach (var b in Encoding.UTF8.GetBytes($"{key.TaskId}|{key.MapIndex}"))
        {
            hash = (hash ^ b) * 16777619u;
        }

        return (int)(hash % (uint)chunks);
    }

    public static string ChunkRowKey(int chunk) => $"{ChunkPrefix}{chunk:D4}";

    public static TableEntity Header(RunSnapshot snapshot, int chunks, long sequence)
    {
        var run = snapshot.Run;
        var e = new TableEntity(KeyEncoding.RunPartition(run.DagId, run.RunId), HeaderRowKey)
        {
            ["DagId"] = run.DagId,
            ["RunId"] = run.RunId,
            ["RunType"] = run.RunType.ToString(),
            ["State"] = run.State.ToAirflowName(),
            ["LogicalDate"] = Stored(run.LogicalDate),
            ["DataIntervalStart"] = Stored(run.DataIntervalStart),
            ["DataIntervalEnd"] = Stored(run.DataIntervalEnd),
            ["QueuedAt"] = Stored(run.QueuedAt),
            ["StartDate"] = run.StartDate,
            ["EndDate"] = run.EndDate,
            ["Chunks"] = chunks,
            ["Sequence"] = sequence,
            ["Applied"] = JsonSerializer.Serialize(snapshot.AppliedEventIds, Json),
            ["PendingEvents"] = snapshot.PendingEvents.IsEmpty ? null : JsonSerializer.Serialize(snapshot.PendingEvents, Json),
        };
        EntityBlob.Write(e, Encoding.UTF8.GetBytes(run.Conf));
        return e;
    }

    // Tables store dates from 1601; an unset date is simply not stored.
    private static DateTimeOffset? Stored(DateTimeOffset value) => value == default ? null : value;

    public static DagRun ReadRun(TableEntity header) => new()
    {
        DagId = header.GetString("DagId")!,
        RunId = header.GetString("RunId")!,
        RunType = Enum.Parse<DagRunType>(header.GetString("RunType") ?? nameof(DagRunType.Manual)),
        State = States.ParseRunState(header.GetString("State")!),
        LogicalDate = header.GetDateTimeOffset("LogicalDate") ?? default,
        DataIntervalStart = header.GetDateTimeOffset("DataIntervalStart") ?? default,
        DataIntervalEnd = header.GetDateTimeOffset("DataIntervalEnd") ?? default,
        QueuedAt = header.GetDateTimeOffset("QueuedAt") ?? default,
        StartDate = header.GetDateTimeOffset("StartDate"),
        EndDate = header.GetDateTimeOffset("EndDate"),
        Conf = Encoding.UTF8.GetString(EntityBlob.Read(header)) is { Length: > 0 } conf ? conf : "{}",
    };

    public static TableEntity Chunk(string partition, int chunk, IEnumerable<TaskInstance> instances)
    {
        var e = new TableEntity(partition, ChunkRowKey(chunk));
        var dtos = instances.Select(Dto.From).ToList();
        EntityBlob.Write(e, JsonSerializer.SerializeToUtf8Bytes(dtos, Json));
        return e;
    }

    public static IEnumerable<TaskInstance> ReadChunk(TableEntity chunk)
    {
        var bytes = EntityBlob.Read(chunk);
        return bytes.Length == 0 ? [] : JsonSerializer.Deserialize<List<Dto>>(bytes, Json)!.Select(d => d.ToTaskInstance());
    }

    public static RunSnapshot Read(TableEntity header, IEnumerable<TableEntity> chunks)
    {
        var tasks = ImmutableSortedDictionary.CreateBuilder<TaskInstanceKey, TaskInstance>();
        foreach (var ti in chunks.SelectMany(ReadChunk))
        {
            tasks[ti.Key] = ti;
        }

        return new RunSnapshot
        {
            Run = ReadRun(header),
            Tasks = tasks.ToImmutable(),
            AppliedEventIds = JsonSerializer.Deserialize<ImmutableList<string>>(header.GetString("Applied") ?? "[]", Json) ?? [],
            PendingEvents = JsonSerializer.Deserialize<ImmutableList<PendingEvent>>(header.GetString("PendingEvents") ?? "[]", Json) ?? [],
            Version = header.ETag.ToString(),
        };
    }

    public static TableEntity History(string partition, long sequence, IReadOnlyList<TaskTransition> transitions)
    {
        var e = new TableEntity(partition, $"{HistoryPrefix}{sequence.ToString("D12", CultureInfo.InvariantCulture)}");
        EntityBlob.Write(e, JsonSerializer.SerializeToUtf8Bytes(transitions, Json));
        return e;
    }

    public static IReadOnlyList<TaskTransition> ReadHistory(TableEntity entity) =>
        JsonSerializer.Deserialize<List<TaskTransition>>(EntityBlob.Read(entity), Json) ?? [];

    // Short names keep 10,000 instances in a few compressed chunks.
    private sealed record Dto(
        [property: JsonPropertyName("t")] string TaskId,
        [property: JsonPropertyName("m")] int MapIndex,
        [property: JsonPropertyName("s")] string State,
        [property: JsonPropertyName("n")] int TryNumber,
        [property: JsonPropertyName("x")] int MaxTries,
        [property: JsonPropertyName("q")] DateTimeOffset? QueuedAt,
        [property: JsonPropertyName("b")] DateTimeOffset? StartDate,
        [property: JsonPropertyName("e")] DateTimeOffset? EndDate,
        [property: JsonPropertyName("w")] string? WorkerId,
        [property: JsonPropertyName("h")] DateTimeOffset? HeartbeatAt,
        [property: JsonPropertyName("r")] DateTimeOffset? NextRetryAt,
        [property: JsonPropertyName("g")] string? Message,
        [property: JsonPropertyName("l")] int? ResultLength,
        [property: JsonPropertyName("d")] Deferral? Deferral)
    {
        public static Dto From(TaskInstance t) => new(t.TaskId, t.MapIndex, t.State.ToAirflowName(), t.TryNumber, t.MaxTries, t.QueuedAt, t.StartDate, t.EndDate, t.WorkerId, t.HeartbeatAt, t.NextRetryAt, t.Message, t.ResultLength, t.Deferral);

        public TaskInstance ToTaskInstance() => new()
        {
            TaskId = TaskId,
            MapIndex = MapIndex,
            State = States.ParseTaskState(State),
            TryNumber = TryNumber,
            MaxTries = MaxTries,
            QueuedAt = QueuedAt,
            StartDate = StartDate,
            EndDate = EndDate,
            WorkerId = WorkerId,
            HeartbeatAt = HeartbeatAt,
            NextRetryAt = NextRetryAt,
            Message = Message,
            ResultLength = ResultLength,
            Deferral = Deferral,
        };
    }
}
