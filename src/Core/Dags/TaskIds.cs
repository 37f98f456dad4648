using System.Runtime.CompilerServices;

namespace Gale.Dags;

/// <summary>One or more task ids: write <c>after: "extract"</c> or <c>after: ["a", "b"]</c>.</summary>
[CollectionBuilder(typeof(TaskIds), nameof(Create))]
public readonly struct TaskIds : IEnumerable<string>
{
    private readonly string[]? _ids;

    private TaskIds(string[] ids) => _ids = ids;

    /// <summary>The ids.</summary>
    public IReadOnlyList<string> Ids => _ids ?? [];

    /// <summary>One id.</summary>
    public static implicit operator TaskIds(string id) => new([id]);

    /// <summary>Several ids.</summary>
    public static implicit operator TaskIds(string[] ids) => new(ids);

    /// <summary>Builds from a collection expression.</summary>
    public static TaskIds Create(ReadOnlySpan<string> ids) => new(ids.ToArray());

    /// <summary>One id.</summary>
    public static TaskIds FromString(string id) => id;

    /// <summary>Several ids.</summary>
    public static TaskIds FromStringArray(string[] ids) => ids;

    /// <inheritdoc />
    public IEnumerator<string> GetEnumerator() => ((IEnumerable<string>)(_ids ?? [])).GetEnumerator();

    System.Collections.IEnumerator System.Collections.IEnumerable.GetEnumerator() => GetEnumerator();
}
