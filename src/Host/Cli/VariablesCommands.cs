using System.CommandLine;
using System.Text.Json;
using Gale.Host.Cli.Remote;
using Gale.Secrets;
using Gale.Storage;
using Gale.Storage.Engine;
using Spectre.Console;

namespace Gale.Host.Cli;

/// <summary><c>gale variables get|set|list|delete</c>: the <c>variables</c> table (settings <c>GALE_VAR_*</c> override it for tasks).</summary>
internal static class VariablesCommands
{
    public static Command Create() => new("variables", "Work with variables (tasks see GALE_VAR_<KEY> settings first, then these).")
    {
        Get(), Set(), List(), Delete(),
    };

    private static Variable Read(JsonElement v) => new(
        v.GetProperty("key").GetString()!,
        v.GetProperty("value").GetString()!,
        v.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null);

    private static Command Get()
    {
        var key = new Argument<string>("key") { Description = "The variable's key." };
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("get", "Print a variable's value. Exit 0: printed, 1: no such variable (or, through --api, a sensitive one: the API never sends those back).") { key, storage, output };
        command.SetAction((r, ct) =>
        {
            var k = r.GetValue(key)!;
            async Task<int> Print(Variable? variable)
            {
                if (variable is null)
                {
                    await Console.Error.WriteLineAsync($"gale: variable '{k}' does not exist.");
                    return CliOutput.Failed;
                }

                Console.WriteLine(r.GetValue(output) == "json"
                    ? JsonSerializer.Serialize(new { key = variable.Key, value = variable.Value, description = variable.Description }, CliOutput.Json)
                    : variable.Value);
                return CliOutput.Ok;
            }

            return ApiTarget.RunAsync(
                r,
                storage,
                async api =>
                {
                    var found = await api.FindAsync(GaleApiClient.Path("variables", k), ct);
                    if (found is not null && SecretMasker.IsSensitiveName(k))
                    {
                        // The API masks sensitive values (as Airflow's does): printing the mask as if it were the value would
                        // quietly hand scripts a wrong value.
                        await Console.Error.WriteLineAsync($"gale: variable '{k}' is sensitive; the API at {api.BaseUrl} never sends its value back (read it with --storage, or as a task does).");
                        return CliOutput.Failed;
                    }

                    return await Print(found is { } f ? Read(f) : null);
                },
                () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
                {
                    await GaleStorageLayout.EnsureCreatedAsync(account, ct);
                    return await Print(await StorageEngine.VariableStore(account).GetAsync(k, ct));
                }));
        });
        return command;
    }

    private static Command Set()
    {
        var key = new Argument<string>("key") { Description = "The variable's key." };
        var value = new Argument<string>("value") { Description = "The value (text; JSON for var.json)." };
        var description = new Option<string?>("--description") { Description = "What the variable is for." };
        var storage = StorageOptions.Create();
        var command = new Command("set", "Create or replace a variable.") { key, value, description, storage };
        command.SetAction((r, ct) =>
        {
            var variable = new Variable(r.GetValue(key)!, r.GetValue(value)!, r.GetValue(description));
            if (string.IsNullOrWhiteSpace(variable.Key))
            {
                return Task.FromResult(CliOutput.Error("key: must not be empty."));
            }

            int Done()
            {
                Console.WriteLine($"Variable {variable.Key} set.");
                return CliOutput.Ok;
            }

            return ApiTarget.RunAsync(
                r,
                storage,
                async api =>
                {
                    var body = new { key = variable.Key, value = variable.Value, description = variable.Description };
                    try
                    {
                        await api.SendAsync(HttpMethod.Post, "variables", body, ct);
                    }
                    catch (ApiProblemException e) when (e.Status == 409)
                    {
                        // An API that creates only (Airflow 3's POST answers 409 for an existing key): replace it.
                        await api.SendAsync(HttpMethod.Patch, GaleApiClient.Path("variables", variable.Key), body, ct);
                    }

                    return Done();
                },
                () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
                {
                    await GaleStorageLayout.EnsureCreatedAsync(account, ct);
                    await StorageEngine.VariableStore(account).SetAsync(variable, ct);
                    return Done();
                }));
        });
        return command;
    }

    private static Command List()
    {
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("list", "List variables; values of sensitive keys (secret, password, token, key, …) are masked.") { storage, output };
        command.SetAction((r, ct) => ApiTarget.RunAsync(
            r,
            storage,
            async api => Print((await api.ListAsync("variables", "variables", ct)).Select(Read).ToList(), r.GetValue(output)!),
            () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
            {
                await GaleStorageLayout.EnsureCreatedAsync(account, ct);
                return Print(await StorageEngine.VariableStore(account).ListAsync(ct), r.GetValue(output)!);
            })));
        return command;
    }

    /// <summary>Prints variables with sensitive values masked (the API has masked them already; masking the mask changes nothing).</summary>
    private static int Print(IReadOnlyList<Variable> variables, string output)
    {
        static string Shown(Variable v) => SecretMasker.IsSensitiveName(v.Key) ? SecretMasker.Mask : v.Value;
        if (output == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(variables.Select(v => new { key = v.Key, value = Shown(v), description = v.Description }), CliOutput.Json));
            return CliOutput.Ok;
        }

        var table = new Table().AddColumns("key", "value", "description");
        foreach (var v in variables)
        {
            var shown = Shown(v);
            table.AddRow(Markup.Escape(v.Key), Markup.Escape(shown.Length > 80 ? shown[..80] + "…" : shown), Markup.Escape(v.Description ?? string.Empty));
        }

        AnsiConsole.Write(table);
        return CliOutput.Ok;
    }

    private static Command Delete()
    {
        var key = new Argument<string>("key") { Description = "The variable's key." };
        var storage = StorageOptions.Create();
        var command = new Command("delete", "Delete a variable. Exit 0: deleted, 1: no such variable.") { key, storage };
        command.SetAction((r, ct) =>
        {
            var k = r.GetValue(key)!;
            async Task<int> Done(bool deleted)
            {
                if (!deleted)
                {
                    await Console.Error.WriteLineAsync($"gale: variable '{k}' does not exist.");
                    return CliOutput.Failed;
                }

                Console.WriteLine($"Variable {k} deleted.");
                return CliOutput.Ok;
            }

            return ApiTarget.RunAsync(
                r,
                storage,
                async api =>
                {
                    try
                    {
                        await api.SendAsync(HttpMethod.Delete, GaleApiClient.Path("variables", k), null, ct);
                        return await Done(true);
                    }
                    catch (ApiProblemException e) when (e.Status == 404)
                    {
                        return await Done(false);
                    }
                },
                () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
                {
                    await GaleStorageLayout.EnsureCreatedAsync(account, ct);
                    return await Done(await StorageEngine.VariableStore(account).DeleteAsync(k, ct));
                }));
        });
        return command;
    }
}
