using System.Text.Json;
using Gale.Execution;

namespace Gale.Dags;

/// <summary>Where one mapped argument's values come from: a literal list, or an upstream task's XCom (which must be a list).</summary>
public sealed record MapSource
{
    /// <summary>The argument name the task reads with <see cref="TaskContext.Arg{T}"/>.</summary>
    public required string Argument { get; init; }

    /// <summary>Literal values, when not from an XCom.</summary>
    public IReadOnlyList<JsonElement>? Values { get; init; }

    /// <summary>The upstream task whose XCom holds the list.</summary>
    public string? FromTaskId { get; init; }

    /// <summary>The XCom key (default <c>return_value</c>).</summary>
    public string XComKey { get; init; } = XComAccessor.ReturnValueKey;

    /// <summary>A literal list.</summary>
    public static MapSource Literal<T>(string argument, params T[] values) =>
        new() { Argument = argument, Values = values.Select(v => JsonSerializer.SerializeToElement(v, XComJson.Options)).ToList() };

    /// <summary>An upstream task's XCom list (the task becomes an upstream automatically).</summary>
    public static MapSource FromXCom(string argument, string taskId, string key = XComAccessor.ReturnValueKey) =>
        new() { Argument = argument, FromTaskId = taskId, XComKey = key };
}

/// <summary>
/// Dynamic task mapping: one instance per element (Airflow's <c>expand</c>: the cross product of several arguments,
/// first argument slowest) or per object of one list (<c>expand_kwargs</c>: each object's fields are the arguments).
/// </summary>
/// <param name="Sources">The mapped arguments.</param>
/// <param name="Kwargs">True for expand_kwargs (one source whose elements are objects).</param>
public sealed record MapSpec(IReadOnlyList<MapSource> Sources, bool Kwargs = false)
{
    /// <summary>The number of instances given each source's length (product; for kwargs the one list's length).</summary>
    public static int Count(IReadOnlyList<int> lengths) => lengths.Aggregate(1, (a, b) => a * b);

    /// <summary>The element index of each source for map index <paramref name="mapIndex"/> (first source varies slowest).</summary>
    public static int[] Indexes(IReadOnlyList<int> lengths, int mapIndex)
    {
        ArgumentNullException.ThrowIfNull(lengths);
        var result = new int[lengths.Count];
        for (var i = lengths.Count - 1; i >= 0; i--)
        {
            result[i] = mapIndex % lengths[i];
            mapIndex /= lengths[i];
        }

        return result;
    }
}
