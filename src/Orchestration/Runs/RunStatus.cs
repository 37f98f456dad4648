using System.Collections.Immutable;
using System.IO.Compression;
using System.Text.Json;
using System.Text.Json.Serialization;
using Gale.Runs;

namespace Gale.Orchestration.Runs;

/// <summary>
/// The compact view of a run an orchestration publishes as its custom status after every episode: the run, every
/// task's instance counts by state, and the instances themselves (state, tries, dates, map index, worker, message;
/// not a deferral's trigger) as gzip-compressed columnar JSON in base64. The Azure Storage backend keeps custom status in one table property (32K
/// characters), so <see cref="Publish"/> lists every instance while the text fits in <see cref="MaxEncodedLength"/>,
/// then only the unmapped and the unfinished mapped ones, then as many of those as fit; <see cref="Complete"/> says
/// whether every instance is listed.
/// </summary>
public sealed record RunStatus
{
    private static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull, Converters = { new JsonStringEnumConverter(JsonNamingPolicy.SnakeCaseLower) } };

    /// <summary>The run as it stands (state, dates, conf).</summary>
    public required DagRun Run { get; init; }

    /// <summary>The run's state.</summary>
    public DagRunState State => Run.State;

    /// <summary>When the run started.</summary>
    public DateTimeOffset? StartDate => Run.StartDate;

    /// <summary>When it ended.</summary>
    public DateTimeOffset? EndDate => Run.EndDate;

    /// <summary>The longest text <see cref="Publish"/> returns (the backend's limit is 32,768 characters, JSON quotes included).</summary>
    public const int MaxEncodedLength = 30_000;

    /// <summary>The task instances listed, in the snapshot's order (without their deferral, heartbeat and result length).</summary>
    public required IReadOnlyList<TaskInstance> Tasks { get; init; }

    /// <summary>Every task's instance counts by state (all instances, listed or not).</summary>
    public IReadOnlyDictionary<string, IReadOnlyDictionary<TaskInstanceState, int>> Counts { get; init; } = new Dictionary<string, IReadOnlyDictionary<TaskInstanceState, int>>();

    /// <summary>True when <see cref="Tasks"/> lists every instance of the run.</summary>
    public bool Complete { get; init; } = true;

    /// <summary>
    /// Ids of the latest operations (events raised on the instance, or carried into a new execution) the orchestration
    /// has decided, oldest first, at most <see cref="ReceivedMemory"/>: a caller that raised one knows when reads show it.
    /// </summary>
    public IReadOnlyList<string> Received { get; init; } = [];

    /// <summary>How many operation ids <see cref="Received"/> keeps.</summary>
    public const int ReceivedMemory = 32;

    /// <summary>The status of <paramref name="snapshot"/>, listing every instance.</summary>
    public static RunStatus From(RunSnapshot snapshot)
    {
        ArgumentNullException.ThrowIfNull(snapshot);
        return From(snapshot, [.. snapshot.Tasks.Values]);
    }

    /// <summary>
    /// The encoded status of <paramref name="snapshot"/> within <see cref="MaxEncodedLength"/>: every instance if they
    /// fit, else the unmapped and unfinished mapped ones, else as many of those as fit.
    /// </summary>
    public static string Publish(RunSnapshot snapshot, IReadOnlyList<string>? received = null)
    {
        var all = From(snapshot) with { Received = received ?? [] };
        var encoded = all.Encode();
        if (encoded.Length <= MaxEncodedLength)
        {
            return encoded;
        }

        var wanted = snapshot.Tasks.Values.Where(t => t.MapIndex < 0 || !t.State.IsFinished()).ToList();
        for (var count = wanted.Count; ; count /= 2)
        {
            encoded = (From(snapshot, wanted[..count]) with { Received = all.Received }).Encode();
            if (encoded.Length <= MaxEncodedLength || count == 0)
            {
                return encoded;
            }
        }
    }

    /// <summary>The run as a snapshot (only the listed instances when the status is not <see cref="Complete"/>).</summary>
    public RunSnapshot ToSnapshot() => new()
    {
        Run = Run,
        Tasks = Tasks.ToImmutableSortedDictionary(t => t.Key, t => t),
    };

    private static RunStatus From(RunSnapshot snapshot, List<TaskInstance> listed) => new()
    {
        Run = snapshot.Run,
        Tasks = [.. listed.Select(t => t with { Deferral = null, HeartbeatAt = null, ResultLength = null })],
        Counts = snapshot.Tasks.Values.GroupBy(t => t.TaskId, StringComparer.Ordinal).ToDictionary(
            g => g.Key,
            g => (IReadOnlyDictionary<TaskInstanceState, int>)g.GroupBy(t => t.State).ToDictionary(s => s.Key, s => s.Count()),
            StringComparer.Ordinal),
        Complete = listed.Count == snapshot.Tasks.Count,
    };

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

    /// <summary>The status an instance last published, or null when it has published none yet.</summary>
    /// <exception cref="FormatException">Its custom status is not a run status.</exception>
    public static RunStatus? Of(Microsoft.DurableTask.Client.OrchestrationMetadata instance)
    {
        ArgumentNullException.ThrowIfNull(instance);
        var encoded = instance.SerializedCustomStatus is { Length: > 0 } s ? JsonSerializer.Deserialize<string>(s) : null;
        return encoded is null ? null : Decode(encoded);
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
        catch (Exception e) when (e is InvalidDataException or JsonException or IndexOutOfRangeException or ArgumentOutOfRangeException or InvalidOperationException)
        {
            throw new FormatException($"not a run status: {e.Message}", e);
        }
    }

    // Columns, not objects, each delta-coded against the row before: task ids and workers once each, dates as
    // milliseconds after the run's start. Map indexes counting up and tries started a few milliseconds apart then
    // compress to almost nothing, so 10,000 instances fit in a few KiB. Null dates and workers are JSON nulls.
    private sealed record Wire(DagRun Run, string[] Ids, string[] Texts, long?[][] Columns, Dictionary<string, Dictionary<TaskInstanceState, int>> Counts, bool Complete, string[]? Received)
    {
        private const int ColumnCount = 11;

        public static Wire From(RunStatus status)
        {
            var ids = IndexOf(status.Tasks.Select(t => t.TaskId));
            var texts = IndexOf(status.Tasks.SelectMany(t => new[] { t.WorkerId, t.Message }).OfType<string>());
            var origin = status.Run.QueuedAt;
            long? Ms(DateTimeOffset? at) => at is { } a ? (long)(a - origin).TotalMilliseconds : null;
            long?[] Column(Func<TaskInstance, long?> value) => Deltas(status.Tasks.Select(value));
            long?[][] columns =
            [
                Column(t => ids[t.TaskId]),
                Column(t => t.MapIndex),
                Column(t => (long)t.State),
                Column(t => t.TryNumber),
                Column(t => t.MaxTries),
                Column(t => Ms(t.QueuedAt)),
                Column(t => Ms(t.StartDate)),
                Column(t => Ms(t.EndDate)),
                Column(t => Ms(t.NextRetryAt)),
                Column(t => t.WorkerId is null ? null : texts[t.WorkerId]),
                Column(t => t.Message is null ? null : texts[t.Message]),
            ];
            var counts = status.Counts.ToDictionary(c => c.Key, c => c.Value.ToDictionary(p => p.Key, p => p.Value), StringComparer.Ordinal);
            return new Wire(status.Run, ids.Values, texts.Values, columns, counts, status.Complete, status.Received.Count == 0 ? null : [.. status.Received]);
        }

        public RunStatus ToStatus()
        {
            if (Run is null || Columns is not { Length: ColumnCount })
            {
                throw new FormatException($"a run status has a run and {ColumnCount} columns");
            }

            var c = Columns.Select(Values).ToArray();
            DateTimeOffset? At(long? ms) => ms is { } m ? Run.QueuedAt.AddMilliseconds(m) : null;
            string? Text(long? index) => index is { } i ? Texts[(int)i] : null;
            return new RunStatus
            {
                Run = Run,
                Tasks = [.. Enumerable.Range(0, c[0].Length).Select(i => new TaskInstance
                {
                    TaskId = Ids[(int)c[0][i]!.Value],
                    MapIndex = (int)c[1][i]!.Value,
                    State = (TaskInstanceState)c[2][i]!.Value,
                    TryNumber = (int)c[3][i]!.Value,
                    MaxTries = (int)c[4][i]!.Value,
                    QueuedAt = At(c[5][i]),
                    StartDate = At(c[6][i]),
                    EndDate = At(c[7][i]),
                    NextRetryAt = At(c[8][i]),
                    WorkerId = Text(c[9][i]),
                    Message = Text(c[10][i]),
                })],
                Counts = (Counts ?? []).ToDictionary(c => c.Key, c => (IReadOnlyDictionary<TaskInstanceState, int>)c.Value, StringComparer.Ordinal),
                Complete = Complete,
                Received = Received ?? [],
            };
        }

        // Each value minus the last non-null one before it (nulls stay null).
        private static long?[] Deltas(IEnumerable<long?> values)
        {
            long last = 0;
            return [.. values.Select(v =>
            {
                if (v is not { } value)
                {
                    return (long?)null;
                }

                var delta = value - last;
                last = value;
                return delta;
            })];
        }

        private static long?[] Values(long?[] deltas)
        {
            long last = 0;
            return [.. deltas.Select(d => d is { } delta ? last += delta : (long?)null)];
        }

        // The distinct values in first-seen order, with each one's position.
        private static Distinct IndexOf(IEnumerable<string> values)
        {
            var distinct = new Distinct([], new Dictionary<string, long>(StringComparer.Ordinal));
            foreach (var value in values)
            {
                if (distinct.Positions.TryAdd(value, distinct.Positions.Count))
                {
                    distinct.Order.Add(value);
                }
            }

            return distinct;
        }

        private sealed record Distinct(List<string> Order, Dictionary<string, long> Positions)
        {
            public long this[string value] => Positions[value];

            public string[] Values => [.. Order];
        }
    }
}
