using Gale.Engine;
using Gale.Storage;
using Gale.Storage.Engine;
using Gale.Testing;

// Usage: Gale.TestWorker <connection string> <lease seconds>
var account = new StorageAccountClient(args[0]);
var lease = TimeSpan.FromSeconds(double.Parse(args[1], System.Globalization.CultureInfo.InvariantCulture));
await using var host = StorageEngine.CreateHost(account, TestDags.Bag(account), new EngineOptions { Lease = lease, TaskConcurrency = 4 });
host.Start();
Console.WriteLine("worker ready");
await Task.Delay(Timeout.Infinite);
