using System.Text;
using System.Text.RegularExpressions;

namespace Gale.Host.Tests;

/// <summary>
/// Just enough of Bicep's lexical rules to check a template without the Bicep compiler: strings (<c>'…'</c> with
/// <c>\</c> escapes and <c>${…}</c> interpolation holding code, possibly with nested strings), multi-line strings
/// (<c>'''…'''</c>, no escapes or interpolation), <c>//</c> and <c>/* */</c> comments.
/// </summary>
internal static partial class BicepSource
{
    /// <summary>
    /// The code of <paramref name="text"/> with string contents and comments removed: what is left is the code
    /// around strings and the code inside interpolations (without their <c>${</c> and <c>}</c>).
    /// </summary>
    /// <exception cref="FormatException">A string, multi-line string or block comment is not closed.</exception>
    public static string CodeOnly(string text)
    {
        var code = new StringBuilder(text.Length);
        var interpolations = new Stack<int>(); // braces opened inside each interpolation that is still open
        var inString = false;
        var i = 0;
        while (i < text.Length)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                {
                    i += 2;
                }
                else if (c == '\'')
                {
                    inString = false;
                    i++;
                }
                else if (c == '$' && At(text, i + 1, "{"))
                {
                    interpolations.Push(0);
                    inString = false;
                    i += 2;
                }
                else
                {
                    i++;
                }

                continue;
            }

            if (At(text, i, "//"))
            {
                var end = text.IndexOf('\n', i);
                i = end < 0 ? text.Length : end;
            }
            else if (At(text, i, "/*"))
            {
                var end = text.IndexOf("*/", i + 2, StringComparison.Ordinal);
                i = end < 0 ? throw new FormatException($"block comment at {Position(text, i)} is not closed") : end + 2;
            }
            else if (At(text, i, "'''"))
            {
                var end = text.IndexOf("'''", i + 3, StringComparison.Ordinal);
                i = end < 0 ? throw new FormatException($"multi-line string at {Position(text, i)} is not closed") : end + 3;
            }
            else if (c == '\'')
            {
                inString = true;
                i++;
            }
            else if (c == '{' && interpolations.Count > 0)
            {
                interpolations.Push(interpolations.Pop() + 1);
                code.Append(c);
                i++;
            }
            else if (c == '}' && interpolations.Count > 0 && interpolations.Peek() == 0)
            {
                interpolations.Pop(); // the interpolation ends: back in its string
                inString = true;
                i++;
            }
            else
            {
                if (c == '}' && interpolations.Count > 0)
                {
                    interpolations.Push(interpolations.Pop() - 1);
                }

                code.Append(c);
                i++;
            }
        }

        if (inString || interpolations.Count > 0)
        {
            throw new FormatException("a string is not closed at the end of the file");
        }

        return code.ToString();
    }

    /// <summary>
    /// Null when every <c>{</c>, <c>[</c> and <c>(</c> of <paramref name="code"/> (see <see cref="CodeOnly"/>) is
    /// closed by its own kind in order; otherwise what is wrong and where (line, column of the code).
    /// </summary>
    public static string? BracketProblem(string code)
    {
        var open = new Stack<(char Bracket, int Index)>();
        for (var i = 0; i < code.Length; i++)
        {
            switch (code[i])
            {
                case '{' or '[' or '(':
                    open.Push((code[i], i));
                    break;
                case '}' or ']' or ')':
                    var expected = code[i] switch { '}' => '{', ']' => '[', _ => '(' };
                    if (open.Count == 0)
                    {
                        return $"'{code[i]}' at {Position(code, i)} closes nothing";
                    }

                    var (bracket, index) = open.Pop();
                    if (bracket != expected)
                    {
                        return $"'{code[i]}' at {Position(code, i)} closes '{bracket}' opened at {Position(code, index)}";
                    }

                    break;
            }
        }

        return open.Count == 0 ? null : $"'{open.Peek().Bracket}' opened at {Position(code, open.Peek().Index)} is never closed";
    }

    /// <summary>The declared parameters: name and the decorator lines right above the declaration.</summary>
    public static IReadOnlyList<(string Name, string Decorators)> Parameters(string text)
    {
        var lines = text.Split('\n').Select(l => l.TrimEnd('\r')).ToArray();
        var result = new List<(string, string)>();
        for (var i = 0; i < lines.Length; i++)
        {
            var match = ParamDeclaration().Match(lines[i]);
            if (!match.Success)
            {
                continue;
            }

            // Decorators (possibly spanning lines, like a multi-line @allowed array) sit between the previous
            // blank line or statement and the declaration.
            var decorators = new List<string>();
            for (var j = i - 1; j >= 0; j--)
            {
                var line = lines[j].Trim();
                if (line.Length == 0 || Statement().IsMatch(lines[j]))
                {
                    break;
                }

                if (line.StartsWith("//", StringComparison.Ordinal))
                {
                    continue;
                }

                decorators.Insert(0, line);
            }

            result.Add((match.Groups["name"].Value, string.Join('\n', decorators)));
        }

        return result;
    }

    private static bool At(string text, int index, string token) =>
        index + token.Length <= text.Length && string.CompareOrdinal(text, index, token, 0, token.Length) == 0;

    private static string Position(string text, int index)
    {
        var line = 1;
        var lineStart = 0;
        for (var i = 0; i < index; i++)
        {
            if (text[i] == '\n')
            {
                line++;
                lineStart = i + 1;
            }
        }

        return $"line {line}, column {index - lineStart + 1}";
    }

    [GeneratedRegex(@"^param\s+(?<name>[A-Za-z_][A-Za-z0-9_]*)\s")]
    private static partial Regex ParamDeclaration();

    [GeneratedRegex(@"^(param|var|resource|output|module|type|func|import|metadata|targetScope)\b")]
    private static partial Regex Statement();
}
