using System.CommandLine;
using System.Text.Json;
using Gale.Limits;
using Gale.Storage;
using Gale.Storage.Engine;
using Spectre.Console;

namespace Gale.Functions.Cli;

/// <summary><c>gale pools list|set|delete</c>: the slots tasks share across every host (Airflow's pools).</summary>
internal static class PoolsCommands
{
    public static Command Create() => new("pools", "Work with pools (tasks take pool_slots of their pool's slots while they run).") { List(), Set(), Delete() };

    private static Command List()
    {
        var storage = StorageOptions.Create();
        var output = CliOutput.OutputOption();
        var command = new Command("list", "List pools with their slots in use now.") { storage, output };
        command.SetAction((r, ct) => Remote.ApiTarget.RunAsync(
            r,
            async api => Print((await api.ListAsync("pools", "pools", ct)).Select(p => new PoolRow(p.GetProperty("name").GetString()!, p.GetProperty("slots").GetInt32(), p.GetProperty("occupied_slots").GetInt32(), p.TryGetProperty("description", out var d) && d.ValueKind == JsonValueKind.String ? d.GetString() : null)).ToList(), r.GetValue(output)!),
            () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
            {
                await GaleStorageLayout.EnsureCreatedAsync(account, ct);
                var slots = new TableSlotStore(account.GetTableClient("pools"));
                var rows = new List<PoolRow>();
                foreach (var pool in await StorageEngine.PoolStore(account).ListEffectiveAsync(ct))
                {
                    rows.Add(new PoolRow(pool.Name, pool.Slots, await slots.CountInUseAsync(pool.Name, DateTimeOffset.UtcNow, ct), pool.Description));
                }

                return Print(rows, r.GetValue(output)!);
            })));
        return command;
    }

    private sealed record PoolRow(string Name, int Slots, int Occupied, string? Description);

    private static int Print(List<PoolRow> rows, string output)
    {
        if (output == "json")
        {
            Console.WriteLine(JsonSerializer.Serialize(rows.Select(x => new { name = x.Name, slots = x.Slots, occupied_slots = x.Occupied, open_slots = Math.Max(0, x.Slots - x.Occupied), description = x.Description }), CliOutput.Json));
            return CliOutput.Ok;
        }

        var table = new Table().AddColumns("pool", "slots", "occupied", "open", "description");
        foreach (var row in rows)
        {
            table.AddRow(Markup.Escape(row.Name), $"{row.Slots}", $"{row.Occupied}", $"{Math.Max(0, row.Slots - row.Occupied)}", Markup.Escape(row.Description ?? string.Empty));
        }

        AnsiConsole.Write(table);
        return CliOutput.Ok;
    }

    private static Command Set()
    {
        var name = new Argument<string>("name") { Description = "The pool's name." };
        var slots = new Argument<int>("slots") { Description = "How many slots (0 stops its tasks from starting)." };
        var description = new Option<string?>("--description") { Description = "What the pool guards." };
        var storage = StorageOptions.Create();
        var command = new Command("set", "Create or resize a pool.") { name, slots, description, storage };
        command.SetAction((r, ct) => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            if (r.GetValue(slots) < 0)
            {
                return CliOutput.Error("slots: must be 0 or more.");
            }

            if (string.IsNullOrWhiteSpace(r.GetValue(name)))
            {
                return CliOutput.Error("name: must not be empty.");
            }

            await GaleStorageLayout.EnsureCreatedAsync(account, ct);
            await StorageEngine.PoolStore(account).SetAsync(new Pool(r.GetValue(name)!, r.GetValue(slots), r.GetValue(description)), ct);
            Console.WriteLine($"Pool {r.GetValue(name)} has {r.GetValue(slots)} slots.");
            return CliOutput.Ok;
        }));
        return command;
    }

    private static Command Delete()
    {
        var name = new Argument<string>("name") { Description = "The pool's name." };
        var storage = StorageOptions.Create();
        var command = new Command("delete", "Delete a pool (default_pool cannot be deleted). Exit 1 when it does not exist.") { name, storage };
        command.SetAction((r, ct) => StorageOptions.RunAsync(r.GetValue(storage), async account =>
        {
            if (r.GetValue(name) == Pool.DefaultName)
            {
                return CliOutput.Error("default_pool cannot be deleted (resize it with `gale pools set default_pool N`).");
            }

            await GaleStorageLayout.EnsureCreatedAsync(account, ct);
            if (!await StorageEngine.PoolStore(account).DeleteAsync(r.GetValue(name)!, ct))
            {
                await Console.Error.WriteLineAsync($"gale: pool '{r.GetValue(name)}' does not exist.");
                return CliOutput.Failed;
            }

            Console.WriteLine($"Pool {r.GetValue(name)} deleted.");
            return CliOutput.Ok;
        }));
        return command;
    }
}
