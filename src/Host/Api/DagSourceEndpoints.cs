using System.Reflection;
using System.Text;
using System.Text.RegularExpressions;
using Gale.Dags;

namespace Gale.Host.Api;

/// <summary>A DAG's <c>file_token</c>: its fileloc, URL-safe (base64url of the UTF-8 text, no padding).</summary>
internal static class DagSourceToken
{
    public static string? Encode(string? fileloc) =>
        fileloc is null ? null : Convert.ToBase64String(Encoding.UTF8.GetBytes(fileloc)).TrimEnd('=').Replace('+', '-').Replace('/', '_');

    /// <summary>The fileloc a token stands for, or null when it is not a token.</summary>
    public static string? Decode(string token)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 4096)
        {
            return null;
        }

        var base64 = token.Replace('-', '+').Replace('_', '/');
        base64 = base64.PadRight(base64.Length + ((4 - (base64.Length % 4)) % 4), '=');
        try
        {
            return new UTF8Encoding(false, throwOnInvalidBytes: true).GetString(Convert.FromBase64String(base64));
        }
        catch (Exception e) when (e is FormatException or ArgumentException)
        {
            return null;
        }
    }
}

/// <summary>
/// Airflow's <c>GET /dagSources/{file_token}</c>: the source of a loaded DAG. YAML DAGs answer their file (from the DAGs
/// folder or the <c>dags</c> blob container); C# DAGs compiled into gale answer the file that declares their class
/// (embedded in gale at build time). Only the files of DAGs this host loaded are served, never any other path.
/// </summary>
internal static partial class DagSourceEndpoints
{
    public static void MapDagSourceEndpoints(this RouteGroupBuilder api, ApiContext ctx)
    {
        api.MapGet("/dagSources/{fileToken}", async (string fileToken, HttpRequest request, CancellationToken ct) =>
        {
            var fileloc = DagSourceToken.Decode(fileToken);
            var dags = fileloc is null ? [] : ctx.Dags.Dags.Where(d => d.Settings.Fileloc == fileloc).OrderBy(d => d.DagId, StringComparer.Ordinal).ToList();
            if (dags.Count == 0)
            {
                return Problems.NotFound($"'{fileToken}' is not the file_token of a loaded DAG.");
            }

            var content = await ReadAsync(ctx, fileloc!, ct);
            if (content is null)
            {
                return Problems.NotFound($"the source of {fileloc} is not available to this host.");
            }

            return request.Headers.Accept.Any(a => a?.Contains("text/plain", StringComparison.OrdinalIgnoreCase) == true)
                ? Results.Text(content, "text/plain; charset=utf-8")
                : Results.Json(new Dictionary<string, object?>
                {
                    ["content"] = content,
                    ["fileloc"] = fileloc,
                    ["file_token"] = fileToken,
                    ["dag_ids"] = dags.Select(d => d.DagId).ToList(),
                    ["language"] = IsYaml(fileloc!) ? "yaml" : "csharp",
                });
        });
    }

    private static bool IsYaml(string fileloc) =>
        fileloc.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || fileloc.EndsWith(".yml", StringComparison.OrdinalIgnoreCase);

    private static async Task<string?> ReadAsync(ApiContext ctx, string fileloc, CancellationToken ct)
    {
        if (IsYaml(fileloc))
        {
            if (fileloc.StartsWith("blob://", StringComparison.Ordinal))
            {
                var rest = fileloc["blob://".Length..];
                var slash = rest.IndexOf('/', StringComparison.Ordinal);
                if (slash <= 0)
                {
                    return null;
                }

                try
                {
                    var download = await ctx.Account.GetBlobContainerClient(rest[..slash]).GetBlobClient(rest[(slash + 1)..]).DownloadContentAsync(ct);
                    return download.Value.Content.ToString();
                }
                catch (Azure.RequestFailedException e) when (Gale.Storage.StorageErrors.IsNotFound(e))
                {
                    return null;
                }
            }

            return File.Exists(fileloc) ? await File.ReadAllTextAsync(fileloc, ct) : null;
        }

        return CSharpSource(fileloc);
    }

    // A C# DAG's fileloc is its class's full name (the file is the embedded dags/**/*.cs that declares that class in
    // that namespace), or a .cs path its author set (the embedded file of that name).
    private static string? CSharpSource(string fileloc)
    {
        var assembly = typeof(DagSourceEndpoints).Assembly;
        var sources = assembly.GetManifestResourceNames().Where(r => r.Replace('\\', '/').StartsWith("dags/", StringComparison.Ordinal) && r.EndsWith(".cs", StringComparison.Ordinal)).Order(StringComparer.Ordinal).ToList();
        if (fileloc.EndsWith(".cs", StringComparison.OrdinalIgnoreCase))
        {
            var path = "/" + fileloc.Replace('\\', '/');
            var named = sources.Where(r => path.EndsWith(r.Replace('\\', '/')[4..], StringComparison.Ordinal)).OrderByDescending(r => r.Length).FirstOrDefault();
            return named is null ? null : ReadResource(assembly, named);
        }

        var type = assembly.GetType(fileloc, throwOnError: false);
        if (type is null || !typeof(IDagDefinition).IsAssignableFrom(type))
        {
            return null;
        }

        var outer = type;
        while (outer.DeclaringType is not null)
        {
            outer = outer.DeclaringType;
        }

        var name = outer.Name.Split('`')[0];
        foreach (var resource in sources)
        {
            var text = ReadResource(assembly, resource);
            var declares = Regex.IsMatch(text, $@"\b(class|record|struct)\s+{Regex.Escape(name)}\b");
            var inNamespace = outer.Namespace is null || Regex.IsMatch(text, $@"\bnamespace\s+{Regex.Escape(outer.Namespace)}\s*[;{{]");
            if (declares && inNamespace)
            {
                return text;
            }
        }

        return null;
    }

    private static string ReadResource(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }
}
