using Gale.Dags;

namespace Gale.Examples;

/// <summary>Extract, transform, load: three TaskFlow-style tasks passing values through XCom.</summary>
public sealed class ExampleEtl : IDagDefinition
{
    /// <inheritdoc />
    public Dag Build() => Dag.Create("example_etl")
        .With(s => s with { Description = "Extract numbers, double them, report the sum.", Tags = ["example"] })
        .Task("extract", ctx =>
        {
            ctx.Log.LogInformation("Extracting for {Date}", ctx.LogicalDate);
            return new[] { 1, 2, 3, 4 };
        })
        .Task("transform", ctx => ctx.XCom.Pull<int[]>("extract")!.Select(n => n * 2).ToArray(), after: "extract")
        .Task("load", ctx =>
        {
            var total = ctx.XCom.Pull<int[]>("transform")!.Sum();
            ctx.Log.LogInformation("Loaded total {Total}", total);
            return total;
        }, after: "transform")
        .Build();
}
