using Gale.Dags;

namespace Gale.Engine;

/// <summary>Port: the DAGs this process knows (Airflow's DagBag).</summary>
public interface IDagRegistry
{
    /// <summary>The DAG with this id, or null.</summary>
    Dag? Find(string dagId);

    /// <summary>Every DAG.</summary>
    IReadOnlyCollection<Dag> Dags { get; }

    /// <summary>The DAG files and types that failed to load (none for a fixed set).</summary>
    IReadOnlyList<DagImportError> ImportErrors => [];
}

/// <summary>A fixed set of DAGs.</summary>
public sealed class DagBag : IDagRegistry
{
    private readonly Dictionary<string, Dag> _dags;

    /// <summary>Creates a bag of <paramref name="dags"/>.</summary>
    /// <exception cref="ArgumentException">Two DAGs share an id.</exception>
    public DagBag(IEnumerable<Dag> dags)
    {
        _dags = new Dictionary<string, Dag>(StringComparer.Ordinal);
        foreach (var dag in dags)
        {
            if (!_dags.TryAdd(dag.DagId, dag))
            {
                throw new ArgumentException($"Two DAGs have the id '{dag.DagId}' ({_dags[dag.DagId].Settings.Fileloc} and {dag.Settings.Fileloc}).", nameof(dags));
            }
        }
    }

    /// <summary>Every DAG, by id.</summary>
    public IReadOnlyCollection<Dag> Dags => _dags.Values;

    /// <inheritdoc />
    public Dag? Find(string dagId) => _dags.GetValueOrDefault(dagId);
}
