using System.CommandLine;
using System.Text.Json;
using Gale.Limits;
using Gale.Storage;
using Gale.Storage.Engine;
using Spectre.Console;

namespace Gale.Host.Cli;

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
            storage,
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
        var description = new Option<string?>("--description") { Description = "What the pool guards (default: keep the pool's description)." };
        var storage = StorageOptions.Create();
        var command = new Command("set", "Create or resize a pool.") { name, slots, description, storage };
        command.SetAction((r, ct) =>
        {
            var (n, s, d) = (r.GetValue(name)!, r.GetValue(slots), r.GetValue(description));
            if (s < 0)
            {
                return Task.FromResult(CliOutput.Error("slots: must be 0 or more."));
            }

            if (string.IsNullOrWhiteSpace(n))
            {
                return Task.FromResult(CliOutput.Error("name: must not be empty."));
            }

            int Done()
            {
                Console.WriteLine($"Pool {n} has {s} slots.");
                return CliOutput.Ok;
            }

            return Remote.ApiTarget.RunAsync(
                r,
                storage,
                async api =>
                {
                    // Without --description the pool keeps its description (the API's PATCH semantics, and the storage path's).
                    var body = new Dictionary<string, object?> { ["name"] = n, ["slots"] = s };
                    if (d is not null)
                    {
                        body["description"] = d;
                    }

                    try
                    {
                        await api.SendAsync(HttpMethod.Post, "pools", body, ct);
                    }
                    catch (Remote.ApiProblemException e) when (e.Status == 409)
                    {
                        await api.SendAsync(HttpMethod.Patch, Remote.GaleApiClient.Path("pools", n), body, ct);
                    }

                    return Done();
                },
                () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
                {
                    await GaleStorageLayout.EnsureCreatedAsync(account, ct);
                    var pools = StorageEngine.PoolStore(account);
                    var existing = d is null ? await pools.GetEffectiveAsync(n, ct) : null;
                    await pools.SetAsync(new Pool(n, s, d ?? existing?.Description), ct);
                    return Done();
                }));
        });
        return command;
    }

    private static Command Delete()
    {
        var name = new Argument<string>("name") { Description = "The pool's name." };
        var storage = StorageOptions.Create();
        var command = new Command("delete", "Delete a pool (default_pool cannot be deleted). Exit 1 when it does not exist.") { name, storage };
        command.SetAction((r, ct) =>
        {
            var n = r.GetValue(name)!;
            if (n == Pool.DefaultName)
            {
                return Task.FromResult(CliOutput.Error("default_pool cannot be deleted (resize it with `gale pools set default_pool N`)."));
            }

            async Task<int> Done(bool deleted)
            {
                if (!deleted)
                {
                    await Console.Error.WriteLineAsync($"gale: pool '{n}' does not exist.");
                    return CliOutput.Failed;
                }

                Console.WriteLine($"Pool {n} deleted.");
                return CliOutput.Ok;
            }

            return Remote.ApiTarget.RunAsync(
                r,
                storage,
                async api =>
                {
                    try
                    {
                        await api.SendAsync(HttpMethod.Delete, Remote.GaleApiClient.Path("pools", n), null, ct);
                        return await Done(true);
                    }
                    catch (Remote.ApiProblemException e) when (e.Status == 404)
                    {
                        return await Done(false);
                    }
                },
                () => StorageOptions.RunAsync(r.GetValue(storage), async account =>
                {
                    await GaleStorageLayout.EnsureCreatedAsync(account, ct);
                    return await Done(await StorageEngine.PoolStore(account).DeleteAsync(n, ct));
                }));
        });
        return command;
    }
}
