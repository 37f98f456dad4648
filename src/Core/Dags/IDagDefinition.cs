namespace Gale.Dags;

/// <summary>A C# DAG compiled into the app: Gale finds every public implementation at start-up and calls <see cref="Build"/>.</summary>
public interface IDagDefinition
{
    /// <summary>Builds the DAG, usually with <see cref="Dag.Create"/>.</summary>
    Dag Build();
}
