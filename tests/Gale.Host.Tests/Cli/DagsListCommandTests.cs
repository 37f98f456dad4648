using System.Text.Json;

namespace Gale.Host.Tests.Cli;

public sealed class DagsListCommandTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("gale-list-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    [Fact]
    public async Task List_CSharpAndYamlDags_JsonListsBoth()
    {
        File.WriteAllText(Path.Combine(_folder, "mine.yaml"), "dag_id: mine\ntags: [team]\ntasks:\n  - id: a\n    operator: empty\n");

        var (exit, stdout, _) = await GaleProcess.RunAsync(_folder, "dags", "list", "--dags-folder", _folder, "--output", "json");

        Assert.Equal(0, exit);
        using var json = JsonDocument.Parse(stdout);
        var ids = json.RootElement.EnumerateArray().Select(d => d.GetProperty("dag_id").GetString()).ToList();
        Assert.Contains("example_etl", ids);
        Assert.Contains("mine", ids);
        var mine = json.RootElement.EnumerateArray().Single(d => d.GetProperty("dag_id").GetString() == "mine");
        Assert.EndsWith("mine.yaml", mine.GetProperty("fileloc").GetString(), StringComparison.Ordinal);
        Assert.Equal(1, mine.GetProperty("tasks").GetInt32());
    }

    [Fact]
    public async Task ListImportErrors_BrokenFile_ListedWithLineAndExitOne()
    {
        File.WriteAllText(Path.Combine(_folder, "ok.yaml"), "dag_id: ok\ntasks:\n  - id: a\n    operator: empty\n");
        File.WriteAllText(Path.Combine(_folder, "cyclic.yaml"), "dag_id: cyclic\ntasks:\n  - id: a\n    operator: empty\n    upstream: b\n  - id: b\n    operator: empty\n    upstream: a\n");

        var (exit, stdout, _) = await GaleProcess.RunAsync(_folder, "dags", "list-import-errors", "--dags-folder", _folder, "--output", "json");
        var (cleanExit, cleanOut, _) = await GaleProcess.RunAsync(_folder, "dags", "list-import-errors", "--dags-folder", Path.Combine(_folder, "none"));

        Assert.Equal(1, exit);
        using var json = JsonDocument.Parse(stdout);
        var error = Assert.Single(json.RootElement.EnumerateArray());
        Assert.EndsWith("cyclic.yaml", error.GetProperty("filename").GetString(), StringComparison.Ordinal);
        Assert.Contains("cycle detected: a -> b -> a", error.GetProperty("stack_trace").GetString(), StringComparison.Ordinal);
        Assert.Equal(0, cleanExit);
        Assert.Contains("No import errors.", cleanOut, StringComparison.Ordinal);
    }
}
