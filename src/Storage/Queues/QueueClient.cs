using System.Globalization;
using System.Security;
using System.Text.RegularExpressions;
using System.Xml;
using System.Xml.Linq;
using Azure.Core;
using Gale.Storage.Pipeline;

namespace Gale.Storage.Queues;

/// <summary>A client for one storage queue, shaped like Azure.Storage.Queues' <c>QueueClient</c>.</summary>
public sealed partial class QueueClient
{
    /// <summary>The largest message the service accepts: 64 KiB of encoded text.</summary>
    public const int MaxMessageBytes = 64 * 1024;

    /// <summary>The longest visibility delay or timeout the service accepts: 7 days.</summary>
    public static readonly TimeSpan MaxVisibilityTimeout = TimeSpan.FromDays(7);

    private readonly StoragePipeline _pipeline;

    internal QueueClient(StoragePipeline pipeline, string queueName, QueueMessageEncoding encoding)
    {
        if (!QueueNamePattern().IsMatch(queueName) || queueName.Contains("--", StringComparison.Ordinal))
        {
            throw new ArgumentException($"Queue name '{queueName}' is invalid: it must be 3 to 63 lowercase letters, digits and single hyphens, starting and ending with a letter or digit.", nameof(queueName));
        }

        _pipeline = pipeline;
        Name = queueName;
        Encoding = encoding;
    }

    /// <summary>The queue's name.</summary>
    public string Name { get; }

    /// <summary>How message text is encoded on the wire.</summary>
    public QueueMessageEncoding Encoding { get; }

    /// <summary>The queue's poison queue, <c>&lt;name&gt;-poison</c>, as the Azure Functions queue trigger names it.</summary>
    public QueueClient GetPoisonQueueClient() => new(_pipeline, Name + PoisonSuffix, Encoding);

    /// <summary>What the Functions host appends to a queue's name for its poison queue.</summary>
    public const string PoisonSuffix = "-poison";

    /// <summary>Creates the queue if it does not exist.</summary>
    /// <returns>True when this call created it.</returns>
    public async Task<bool> CreateIfNotExistsAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Put, Name);
        var response = await _pipeline.SendAsync(message, cancellationToken);
        return response.Status == 201;
    }

    /// <summary>Deletes the queue and its messages.</summary>
    /// <returns>False when it did not exist.</returns>
    public async Task<bool> DeleteAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Delete, Name);
        return await _pipeline.SendUnlessNotFoundAsync(message, cancellationToken);
    }

    /// <summary>
    /// Adds a message. It becomes visible after <paramref name="visibilityDelay"/> (at most 7 days) and expires after
    /// <paramref name="timeToLive"/> (default 7 days; <see cref="Timeout.InfiniteTimeSpan"/> for never).
    /// </summary>
    /// <exception cref="ArgumentException">The encoded message exceeds 64 KiB, or cannot be sent as XML text.</exception>
    public async Task<SendReceipt> SendMessageAsync(string messageText, TimeSpan? visibilityDelay = null, TimeSpan? timeToLive = null, CancellationToken cancellationToken = default)
    {
        var body = EncodeBody(messageText);
        using var message = _pipeline.CreateMessage(RequestMethod.Post, Name, "messages");
        if (visibilityDelay is { } delay)
        {
            message.Request.Uri.AppendQuery("visibilitytimeout", Seconds(delay, nameof(visibilityDelay), allowZero: true));
        }

        if (timeToLive is { } ttl)
        {
            message.Request.Uri.AppendQuery("messagettl", ttl == Timeout.InfiniteTimeSpan ? "-1" : WholeSeconds(ttl, nameof(timeToLive)));
        }

        message.Request.Headers.SetValue("Content-Type", "application/xml");
        message.Request.Content = RequestContent.Create(body);
        var response = await _pipeline.SendAsync(message, cancellationToken);
        var item = ReadMessages(response).Single();
        return new SendReceipt(Text(item, "MessageId"), Text(item, "PopReceipt"), Date(item, "InsertionTime"), Date(item, "ExpirationTime"), Date(item, "TimeNextVisible"));
    }

    /// <summary>Receives up to <paramref name="maxMessages"/> (1–32) messages and hides them for <paramref name="visibilityTimeout"/> (default 30 s).</summary>
    public async Task<IReadOnlyList<QueueMessage>> ReceiveMessagesAsync(int maxMessages = 1, TimeSpan? visibilityTimeout = null, CancellationToken cancellationToken = default)
    {
        CheckCount(maxMessages);
        using var message = _pipeline.CreateMessage(RequestMethod.Get, Name, "messages");
        message.Request.Uri.AppendQuery("numofmessages", maxMessages.ToString(CultureInfo.InvariantCulture));
        if (visibilityTimeout is { } timeout)
        {
            message.Request.Uri.AppendQuery("visibilitytimeout", Seconds(timeout, nameof(visibilityTimeout), allowZero: false));
        }

        var response = await _pipeline.SendAsync(message, cancellationToken);
        return ReadMessages(response).Select(m => new QueueMessage(
            Text(m, "MessageId"), Text(m, "PopReceipt"), Decode(Text(m, "MessageText")), long.Parse(Text(m, "DequeueCount"), CultureInfo.InvariantCulture),
            Date(m, "InsertionTime"), Date(m, "ExpirationTime"), Date(m, "TimeNextVisible"))).ToList();
    }

    /// <summary>Reads up to <paramref name="maxMessages"/> (1–32) messages without hiding them.</summary>
    public async Task<IReadOnlyList<PeekedMessage>> PeekMessagesAsync(int maxMessages = 1, CancellationToken cancellationToken = default)
    {
        CheckCount(maxMessages);
        using var message = _pipeline.CreateMessage(RequestMethod.Get, Name, "messages");
        message.Request.Uri.AppendQuery("peekonly", "true");
        message.Request.Uri.AppendQuery("numofmessages", maxMessages.ToString(CultureInfo.InvariantCulture));
        var response = await _pipeline.SendAsync(message, cancellationToken);
        return ReadMessages(response).Select(m => new PeekedMessage(
            Text(m, "MessageId"), Decode(Text(m, "MessageText")), long.Parse(Text(m, "DequeueCount"), CultureInfo.InvariantCulture),
            Date(m, "InsertionTime"), Date(m, "ExpirationTime"))).ToList();
    }

    /// <summary>
    /// Hides a received message for <paramref name="visibilityTimeout"/> from now (a heartbeat for long work) and optionally
    /// replaces its text. The returned pop receipt replaces the old one.
    /// </summary>
    /// <exception cref="StorageException">400 <c>PopReceiptMismatch</c> when the pop receipt is stale (the message was received again); 404 when the message is gone.</exception>
    public async Task<UpdateReceipt> UpdateMessageAsync(string messageId, string popReceipt, TimeSpan visibilityTimeout, string? messageText = null, CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Put, Name, "messages", messageId);
        message.Request.Uri.AppendQuery("popreceipt", popReceipt);
        message.Request.Uri.AppendQuery("visibilitytimeout", Seconds(visibilityTimeout, nameof(visibilityTimeout), allowZero: true));
        if (messageText is not null)
        {
            message.Request.Headers.SetValue("Content-Type", "application/xml");
            message.Request.Content = RequestContent.Create(EncodeBody(messageText));
        }

        var response = await _pipeline.SendAsync(message, cancellationToken);
        response.Headers.TryGetValue("x-ms-popreceipt", out var receipt);
        response.Headers.TryGetValue("x-ms-time-next-visible", out var next);
        return new UpdateReceipt(receipt!, DateTimeOffset.Parse(next!, CultureInfo.InvariantCulture));
    }

    /// <summary>Deletes a received message.</summary>
    /// <exception cref="StorageException">400 <c>PopReceiptMismatch</c> when the pop receipt is stale; 404 when the message is gone.</exception>
    public async Task DeleteMessageAsync(string messageId, string popReceipt, CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Delete, Name, "messages", messageId);
        message.Request.Uri.AppendQuery("popreceipt", popReceipt);
        await _pipeline.SendAsync(message, cancellationToken);
    }

    /// <summary>Deletes every message in the queue.</summary>
    public async Task ClearMessagesAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Delete, Name, "messages");
        await _pipeline.SendAsync(message, cancellationToken);
    }

    /// <summary>Reads the queue's approximate message count and metadata.</summary>
    public async Task<QueueProperties> GetPropertiesAsync(CancellationToken cancellationToken = default)
    {
        using var message = _pipeline.CreateMessage(RequestMethod.Get, Name);
        message.Request.Uri.AppendQuery("comp", "metadata");
        var response = await _pipeline.SendAsync(message, cancellationToken);
        response.Headers.TryGetValue("x-ms-approximate-messages-count", out var count);
        var metadata = response.Headers
            .Where(h => h.Name.StartsWith("x-ms-meta-", StringComparison.OrdinalIgnoreCase))
            .ToDictionary(h => h.Name["x-ms-meta-".Length..], h => h.Value, StringComparer.OrdinalIgnoreCase);
        return new QueueProperties(int.Parse(count ?? "0", CultureInfo.InvariantCulture), metadata);
    }

    private byte[] EncodeBody(string messageText)
    {
        ArgumentNullException.ThrowIfNull(messageText);
        string wire;
        if (Encoding == QueueMessageEncoding.Base64)
        {
            wire = Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(messageText));
        }
        else
        {
            var bad = messageText.FirstOrDefault(c => !XmlConvert.IsXmlChar(c) && !char.IsSurrogate(c));
            if (bad != default)
            {
                throw new ArgumentException($"Queue '{Name}': message text contains U+{(int)bad:X4}, which XML cannot carry; use QueueMessageEncoding.Base64.", nameof(messageText));
            }

            wire = messageText;
        }

        var size = System.Text.Encoding.UTF8.GetByteCount(wire);
        if (size > MaxMessageBytes)
        {
            throw new ArgumentException(
                $"Queue '{Name}': the message is {size:N0} bytes on the wire ({Encoding} encoding); a queue message holds at most {MaxMessageBytes:N0} bytes (64 KiB). Store large payloads in a blob and send a reference.",
                nameof(messageText));
        }

        var xml = $"<?xml version=\"1.0\" encoding=\"utf-8\"?><QueueMessage><MessageText>{SecurityElement.Escape(wire)}</MessageText></QueueMessage>";
        return System.Text.Encoding.UTF8.GetBytes(xml);
    }

    private string Decode(string wire)
    {
        if (Encoding == QueueMessageEncoding.None)
        {
            return wire;
        }

        try
        {
            return System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(wire));
        }
        catch (FormatException e)
        {
            throw new FormatException($"Queue '{Name}': a message is not base64 although the client expects QueueMessageEncoding.Base64.", e);
        }
    }

    private static IEnumerable<XElement> ReadMessages(Azure.Response response) =>
        XDocument.Parse(response.Content.ToString()).Root?.Elements("QueueMessage") ?? [];

    private static string Text(XElement element, string name) => element.Element(name)?.Value ?? string.Empty;

    private static DateTimeOffset Date(XElement element, string name) =>
        DateTimeOffset.TryParse(Text(element, name), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var value) ? value : default;

    private static void CheckCount(int maxMessages)
    {
        if (maxMessages is < 1 or > 32)
        {
            throw new ArgumentOutOfRangeException(nameof(maxMessages), maxMessages, "The queue service returns 1 to 32 messages per call.");
        }
    }

    private static string Seconds(TimeSpan value, string name, bool allowZero)
    {
        if (value < TimeSpan.Zero || (!allowZero && value < TimeSpan.FromSeconds(1)) || value > MaxVisibilityTimeout)
        {
            throw new ArgumentOutOfRangeException(name, value, $"{name} must be between {(allowZero ? "0" : "1")} seconds and 7 days. Chain longer waits.");
        }

        return WholeSeconds(value, name);
    }

    private static string WholeSeconds(TimeSpan value, string name)
    {
        if (value <= TimeSpan.Zero)
        {
            return value == TimeSpan.Zero ? "0" : throw new ArgumentOutOfRangeException(name, value, $"{name} must not be negative.");
        }

        return ((long)Math.Ceiling(value.TotalSeconds)).ToString(CultureInfo.InvariantCulture);
    }

    [GeneratedRegex("^[a-z0-9][a-z0-9-]{1,61}[a-z0-9]$")]
    private static partial Regex QueueNamePattern();
}
