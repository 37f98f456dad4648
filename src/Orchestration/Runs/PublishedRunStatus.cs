using System.Text.Json;
using System.Text.Json.Serialization;
using Gale.Runs;

namespace Gale.Orchestration.Runs;

/// <summary>
/// The custom status an episode sets: the run as it stands, encoded as <see cref="RunStatus.Encode"/> text only when
/// the runtime serializes the custom status at the end of the episode. Every iteration sets it (an episode that sets
/// none would clear the status), replayed ones included, so building and compressing it there would cost a run of n
/// events n encodings per episode.
/// </summary>
[JsonConverter(typeof(Converter))]
public sealed class PublishedRunStatus
{
    private readonly RunSnapshot _snapshot;
    private readonly IReadOnlyList<string> _received;

    /// <summary>Publishes <paramref name="snapshot"/>, having decided the operations <paramref name="received"/>.</summary>
    public PublishedRunStatus(RunSnapshot snapshot, IReadOnlyList<string>? received = null)
    {
        _snapshot = snapshot ?? throw new ArgumentNullException(nameof(snapshot));
        _received = received ?? [];
    }

    /// <summary>The encoded status, as it is published (<see cref="RunStatus.Publish"/>).</summary>
    public string Encode() => RunStatus.Publish(_snapshot, _received);

    private sealed class Converter : JsonConverter<PublishedRunStatus>
    {
        public override PublishedRunStatus Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
            throw new NotSupportedException("A published run status is read back with RunStatus.Decode");

        public override void Write(Utf8JsonWriter writer, PublishedRunStatus value, JsonSerializerOptions options) =>
            writer.WriteStringValue(value.Encode());
    }
}
