using System.Buffers.Text;
using System.Text;
using System.Text.Json;

namespace Gale.Host.Api.Auth;

/// <summary>A JWS in compact serialization (RFC 7515 §7.1), split and decoded but not yet verified.</summary>
/// <param name="Header">The protected header (a JSON object).</param>
/// <param name="Payload">The claims (a JSON object).</param>
/// <param name="SigningInput">The ASCII bytes of <c>header.payload</c>, as signed.</param>
/// <param name="Signature">The decoded signature.</param>
internal sealed record CompactJws(JsonElement Header, JsonElement Payload, byte[] SigningInput, byte[] Signature)
{
    /// <summary>Longer tokens are refused before any work (Entra ID access tokens are a few KiB).</summary>
    public const int MaxLength = 16 * 1024;

    private static readonly JsonDocumentOptions Strict = new() { AllowDuplicateProperties = false, MaxDepth = 16 };

    /// <summary>Splits and decodes <paramref name="token"/>; null with <paramref name="error"/> saying why it is not a compact JWS.</summary>
    public static CompactJws? TryParse(string token, out string? error)
    {
        error = null;
        if (token.Length > MaxLength)
        {
            error = $"it is longer than {MaxLength} characters";
            return null;
        }

        var parts = token.Split('.');
        if (parts.Length != 3)
        {
            error = "it is not a compact JWS of three dot-separated parts (encrypted tokens are not accepted)";
            return null;
        }

        if (parts[0].Length == 0 || parts[1].Length == 0 || !parts.All(IsBase64Url))
        {
            error = "a part is empty or not base64url";
            return null;
        }

        try
        {
            var header = ParseObject(parts[0]);
            var payload = ParseObject(parts[1]);
            if (header is null || payload is null)
            {
                error = "its header or payload is not a JSON object";
                return null;
            }

            return new CompactJws(header.Value, payload.Value, Encoding.ASCII.GetBytes($"{parts[0]}.{parts[1]}"), Base64Url.DecodeFromChars(parts[2]));
        }
        catch (Exception e) when (e is FormatException or JsonException or DecoderFallbackException)
        {
            error = "its header or payload is not base64url-encoded JSON";
            return null;
        }
    }

    /// <summary>Decodes unpadded base64url (RFC 7515 §2).</summary>
    /// <exception cref="FormatException">The text is not unpadded base64url.</exception>
    public static byte[] DecodeBase64Url(string text) =>
        IsBase64Url(text) ? Base64Url.DecodeFromChars(text) : throw new FormatException("not unpadded base64url");

    private static bool IsBase64Url(string part) =>
        part.Length % 4 != 1 && part.All(c => char.IsAsciiLetterOrDigit(c) || c is '-' or '_');

    private static JsonElement? ParseObject(string part)
    {
        var json = new UTF8Encoding(false, true).GetString(Base64Url.DecodeFromChars(part));
        using var document = JsonDocument.Parse(json, Strict);
        return document.RootElement.ValueKind == JsonValueKind.Object ? document.RootElement.Clone() : null;
    }
}
