using System.CommandLine;
using System.Text.Json;
using Gale.Secrets;
using Gale.Storage;
using Gale.Storage.Engine;
using Spectre.Console;

namespace Gale.Functions.Cli;

/// <summary><c>gale variables get|set|list|delete</c>: the <c>variables</c> table (settings <c>GALE_VAR_*</c> override it for tasks).</summary>
internal static class VariablesCommands
{
    public static Command Create() => new("variables", "Work with variables (tasks see GALE_VAR_<KEY> settings first, then these).")
    {
        Get(), Set(), List(), Delete(),
    };

    private static Command Get()
    {
        var key = new Argument<string>("key") { Description = "The variable's key." };
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("get", "Print a variable's value. Exit 0: printed, 1: no such variable.") { key, storage, output };
        command.SetAction((r, ct) => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            await GaleStorageLayout.EnsureCreatedAsync(account, ct);
            var variable = await StorageEngine.VariableStore(account).GetAsync(r.GetValue(key)!, ct);
            if (variable is null)
            {
                await Console.Error.WriteLineAsync($"gale: variable '{r.GetValue(key)}' does not exist.");
                return CliOutput.Failed;
            }

            Console.WriteLine(r.GetValue(output) == "json"
                ? JsonSerializer.Serialize(new { key = variable.Key, value = variable.Value, description = variable.Description }, CliOutput.Json)
                : variable.Value);
            return CliOutput.Ok;
        }));
        return command;
    }

    private static Command Set()
    {
        var key = new Argument<string>("key") { Description = "The variable's key." };
        var value = new Argument<string>("value") { Description = "The value (text; JSON for var.json)." };
        var description = new Option<string?>("--description") { Description = "What the variable is for." };
        var storage = StorageOptions.Create();
        var command = new Command("set", "Create or replace a variable.") { key, value, description, storage };
        command.SetAction((r, ct) => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            var k = r.GetValue(key)!;
            if (string.IsNullOrWhiteSpace(k))
            {
                return CliOutput.Error("key: must not be empty.");
            }

            await GaleStorageLayout.EnsureCreatedAsync(account, ct);
            await StorageEngine.VariableStore(account).SetAsync(new Variable(k, r.GetValue(value)!, r.GetValue(description)), ct);
            Console.WriteLine($"Variable {k} set.");
            return CliOutput.Ok;
        }));
        return command;
    }

    private static Command List()
    {
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("list", "List variables; values of sensitive keys (secret, password, token, key, …) are masked.") { storage, output };
        command.SetAction((r, ct) => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            await GaleStorageLayout.EnsureCreatedAsync(account, ct);
            var variables = await StorageEngine.VariableStore(account).ListAsync(ct);
            static string Shown(Variable v) => SecretMasker.IsSensitiveName(v.Key) ? SecretMasker.Mask : v.Value;
            if (r.GetValue(output) == "json")
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
        }));
        return command;
    }

    private static Command Delete()
    {
        var key = new Argument<string>("key") { Description = "The variable's key." };
        var storage = StorageOptions.Create();
        var command = new Command("delete", "Delete a variable. Exit 0: deleted, 1: no such variable.") { key, storage };
        command.SetAction((r, ct) => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            await GaleStorageLayout.EnsureCreatedAsync(account, ct);
            if (!await StorageEngine.VariableStore(account).DeleteAsync(r.GetValue(key)!, ct))
            {
                await Console.Error.WriteLineAsync($"gale: variable '{r.GetValue(key)}' does not exist.");
                return CliOutput.Failed;
            }

            Console.WriteLine($"Variable {r.GetValue(key)} deleted.");
            return CliOutput.Ok;
        }));
        return command;
    }
}
