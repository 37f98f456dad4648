namespace Gale.Testing;

/// <summary>The repository checkout the tests run from (the folder holding <c>Gale.slnx</c>).</summary>
public static class RepoRoot
{
    /// <summary>The first folder above the test binaries that holds <c>Gale.slnx</c>.</summary>
    public static string Path { get; } = Find();

    private static string Find()
    {
        var dir = new DirectoryInfo(AppContext.BaseDirectory);
        while (dir is not null && !File.Exists(System.IO.Path.Combine(dir.FullName, "Gale.slnx")))
        {
            dir = dir.Parent;
        }

        return dir?.FullName ?? throw new DirectoryNotFoundException("Gale.slnx not found above " + AppContext.BaseDirectory);
    }
}
