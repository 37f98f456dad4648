namespace Gale.Storage.Local;

/// <summary>How to start a local Azurite.</summary>
public sealed record AzuriteOptions
{
    /// <summary>Folder for Azurite's data. Null: a new temporary folder, deleted when the server is disposed.</summary>
    public string? Location { get; init; }

    /// <summary>Blob port; 0 picks a free loopback port.</summary>
    public int BlobPort { get; init; }

    /// <summary>Queue port; 0 picks a free loopback port.</summary>
    public int QueuePort { get; init; }

    /// <summary>Table port; 0 picks a free loopback port.</summary>
    public int TablePort { get; init; }

    /// <summary>Keep data in memory only (faster; nothing survives a restart).</summary>
    public bool InMemory { get; init; }

    /// <summary>The folder holding run.js and the npm lockfile; null finds it with <see cref="AzuriteInstall.FindToolDirectory"/>.</summary>
    public string? ToolDirectory { get; init; }

    /// <summary>How long to wait for all three services to accept connections.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>Receives progress and Azurite's own output lines.</summary>
    public Action<string>? Log { get; init; }
}
