using System.Text.Json;
using Gale.Secrets;

namespace Gale.Templates;

/// <summary>Pulls an XCom for a template: the task, the key, and a map index (null: the whole task, a list when it is mapped).</summary>
public delegate Task<JsonElement?> TemplateXComPull(string taskId, string key, int? mapIndex, CancellationToken cancellationToken);

/// <summary>What a template can see: the run's context values and the lazily resolved variables, connections and XComs.</summary>
public sealed class TemplateScope
{
    /// <summary>Top-level names (<c>ds</c>, <c>ts</c>, <c>dag</c>, <c>task</c>, <c>ti</c>, <c>params</c>, <c>dag_run</c>, …) as JSON.</summary>
    public IReadOnlyDictionary<string, JsonElement> Values { get; init; } = new Dictionary<string, JsonElement>(StringComparer.Ordinal);

    /// <summary>Resolves <c>var.value.NAME</c> and <c>var.json.NAME</c>; null: variables are unavailable.</summary>
    public VariableResolver? Variables { get; init; }

    /// <summary>Resolves <c>conn.ID.attribute</c>; null: connections are unavailable.</summary>
    public ConnectionResolver? Connections { get; init; }

    /// <summary>Resolves <c>ti.xcom_pull(…)</c>; null: XComs are unavailable.</summary>
    public TemplateXComPull? PullXCom { get; init; }
}
