using System.Reflection;
using System.Text.Json;

namespace Gale.Host.Tests;

/// <summary>
/// infra/bicep/main.bicep compiles with the Bicep compiler from NuGet (Azure.Bicep.CommandLine.linux-x64, restored
/// with PackageDownload, run offline) without a warning, into an ARM template with the resources Gale needs.
/// </summary>
public sealed class BicepCompileTests
{
    [Fact]
    public async Task BicepBuild_MainBicep_CompilesWithoutWarnings()
    {
        var bicep = Path.Combine(Package(), "tools", "bicep");
        Assert.True(File.Exists(bicep), $"the Bicep compiler is missing at {bicep}");
        if (!OperatingSystem.IsLinux() || !RuntimeInformationIsX64())
        {
            Assert.Fail("the compiler package restored here is linux-x64, the CI machine's platform");
            return;
        }

        File.SetUnixFileMode(bicep, File.GetUnixFileMode(bicep) | UnixFileMode.UserExecute);

        var (exitCode, stdout, stderr) = await ChildProcess.RunAsync(bicep, ["build", "--stdout", Path.Combine(RepoRoot.Path, "infra", "bicep", "main.bicep")], TimeSpan.FromMinutes(2), environment: new Dictionary<string, string> { ["BICEP_TRACING_ENABLED"] = "false" });

        Assert.True(exitCode == 0, $"bicep build failed:\n{stderr}");
        Assert.Equal(string.Empty, stderr.Trim()); // warnings and errors go to stderr
        using var arm = JsonDocument.Parse(stdout);
        var types = arm.RootElement.GetProperty("resources").EnumerateArray().Select(r => r.GetProperty("type").GetString()).ToHashSet(StringComparer.Ordinal);
        Assert.Superset(new HashSet<string?>(StringComparer.Ordinal)
        {
            "Microsoft.Web/sites",
            "Microsoft.Storage/storageAccounts",
            "Microsoft.EventHub/namespaces",
            "Microsoft.Insights/components",
            "Microsoft.DurableTask/schedulers",
            "Microsoft.DurableTask/schedulers/taskHubs",
            "Microsoft.Authorization/roleAssignments",
        }, types);
    }

    private static bool RuntimeInformationIsX64() => System.Runtime.InteropServices.RuntimeInformation.OSArchitecture == System.Runtime.InteropServices.Architecture.X64;

    private static string Package() =>
        typeof(BicepCompileTests).Assembly.GetCustomAttributes<AssemblyMetadataAttribute>().Single(a => a.Key == "BicepPackage").Value!;
}
