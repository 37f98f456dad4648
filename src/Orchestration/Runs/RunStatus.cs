using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gale.Runs;

namespace Gale.Orchestration.Runs;

/// <summary>
/// The compact view of a run an orchestration publishes as its custom status after every episode: the run's state,
/// every task's instance counts by state, and the instances themselves (state, try, dates, map index, worker) as
/// gzip-compressed JSON in base64. The Azure Storage backend keeps custom status in one table property (32K
/// characters), so past <see cref="MaxListed"/> instances only the unmapped ones and the unfinished mapped ones are
/// listed, up to that cap; <see cref="Complete"/> says whether every instance is.
/// </summary>
public sealed record RunStatus
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) } };

    /// <summary>The run's state.</summary>
    public required DagRunState State { get; init; }

    /// <summary>When the run started.</summary>
    public DateTimeOffset? StartDate { get; init; }

    /// <summary>When it ended.</summary>
    public DateTimeOffset? EndDate { get; init; }

    /// <summary>Most instances listed in <see cref="Tasks"/>.</summary>
    public const int MaxListed = 1000;

    /// <summary>The task instances listed, in the snapshot's order.</summary>
    public required IReadOnlyList<TaskInstanceStatus> Tasks { get; init; }

    /// <summary>Every task's instance counts by state (all instances, listed or not).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<TaskInstanceState, int>> Counts { get; init; } = new Dictionary<string, IReadOnlyDictionary<TaskInstanceState, int>>();

    /// <summary>True when <see cref="Tasks"/> lists every instance of the run.</summary>
    public bool Complete { get; init; } = true;

    /// <summary>The status of <paramref name="snapshot"/>.</summary>
    public static RunStatus From(RunSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        var all = snapshot.Tasks.Values.ToList();
        var listed = all.Count <= MaxListed
            ? all
            : all.Where(t => t.MapIndex < 0 || t.State is not (TaskInstanceState.Success or TaskInstanceState.Skipped)).Take(MaxListed);
        var tasks = listed.Select(t => new TaskInstanceStatus(t.TaskId, t.MapIndex, t.State, t.TryNumber, t.StartDate, t.EndDate, t.WorkerId)).ToList();
        return new RunStatus
        {
            State = snapshot.Run.State,
            StartDate = snapshot.Run.StartDate,
            EndDate = snapshot.Run.EndDate,
            Tasks = tasks,
            Counts = all.GroupBy(t => t.TaskId, StringComparer.Ordinal).ToDictionary(
                g => g.Key,
                g => (IReadOnlyDictionary<TaskInstanceState, int>)g.GroupBy(t => t.State).ToDictionary(s => s.Key, s => s.Count()),
                StringComparer.Ordinal),
            Complete = tasks.Count == all.Count,
        };
    }

    /// <summary>Compresses the status into the text the orchestration publishes.</summary>
    public string Encode()
    {
        using var buffer = new MemoryStream();
        using (var gzip = new GZipStream(buffer, CompressionLevel.SmallestSize, leaveOpen: true))
        {
            JsonSerializer.Serialize(gzip, Wire.From(this), Json);
        }

        return Convert.ToBase64String(buffer.ToArray());
    }

    /// <summary>Reads a status <see cref="Encode"/> wrote.</summary>
    /// <exception cref="FormatException">The text is not an encoded status.</exception>
    public static RunStatus Decode(string encoded)
    {
        ArgumentNullException.ThrowIfNull(encoded);
        try
        {
            using var gzip = new GZipStream(new MemoryStream(Convert.FromBase64String(encoded)), CompressionMode.Decompress);
            return (JsonSerializer.Deserialize<Wire>(gzip, Json) ?? throw new FormatException("empty run status")).ToStatus();
        }
        catch (Exception e) when (e is InvalidDataException or JsonException or IndexOutOfRangeException or ArgumentOutOfRangeException)
        {
            throw new FormatException($"not a run status: {e.Message}", e);
        }
    }

    // Columns, not objects: task ids and workers once each, dates as milliseconds after the run's start, so a
    // 10,000-instance mapped task compresses to a few KiB.
    private sealed record Wire(DagRunState State, DateTimeOffset? Start, DateTimeOffset? End, string[] Ids, string[] Workers, long[][] Rows, Dictionary<string, Dictionary<TaskInstanceState, int>> Counts, bool Complete)
    {
        private const long None = long.MinValue;

        public static Wire From(RunStatus status)
        {
            var ids = status.Tasks.Select(t => t.TaskId).Distinct(StringComparer.Ordinal).ToList();
            var workers = status.Tasks.Select(t => t.WorkerId).OfType<string>().Distinct(StringComparer.Ordinal).ToList();
            var origin = status.StartDate ?? DateTimeOffset.UnixEpoch;
            long Ms(DateTimeOffset? at) => at is { } a ? (long)(a - origin).TotalMilliseconds : None;
            var rows = status.Tasks.Select(t => new[] { ids.IndexOf(t.TaskId), t.MapIndex, (long)t.State, t.TryNumber, Ms(t.StartDate), Ms(t.EndDate), t.WorkerId is null ? -1 : workers.IndexOf(t.WorkerId) }).ToArray();
            var counts = status.Counts.ToDictionary(c => c.Key, c => c.Value.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);
            return new Wire(status.State, status.StartDate, status.EndDate, [.. ids], [.. workers], rows, counts, status.Complete);
        }

        public RunStatus ToStatus()
        {
            var origin = Start ?? DateTimeOffset.UnixEpoch;
            DateTimeOffset? At(long ms) => ms == None ? null : origin.AddMilliseconds(ms);
            return new RunStatus
            {
                State = State,
                StartDate = Start,
                EndDate = End,
                Tasks = [.. Rows.Select(r => new TaskInstanceStatus(Ids[(int)r[0]], (int)r[1], (TaskInstanceState)r[2], (int)r[3], At(r[4]), At(r[5]), r[6] < 0 ? null : Workers[(int)r[6]]))],
                Counts = (Counts ?? []).ToDictionary(c => c.Key, c => (IReadOnlyDictionary<TaskInstanceState, int>)c.Value, StringComparer.Ordinal),
                Complete = Complete,
            };
        }
    }
}

/// <summary>One task instance in a <see cref="RunStatus"/>.</summary>
/// <param name="TaskId">The task.</param>
/// <param name="MapIndex">The map index (-1 when unmapped).</param>
/// <param name="State">Its state.</param>
/// <param name="TryNumber">Its current try.</param>
/// <param name="StartDate">When the try started.</param>
/// <param name="EndDate">When it ended.</param>
/// <param name="WorkerId">Who ran it.</param>
public sealed record TaskInstanceStatus(string TaskId, int MapIndex, TaskInstanceState State, int TryNumber, DateTimeOffset? StartDate, DateTimeOffset? EndDate, string? WorkerId);
