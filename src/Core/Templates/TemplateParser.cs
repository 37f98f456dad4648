using System.Globalization;
using System.Text;

namespace Gale.Templates;

/// <summary>
/// Parses the Jinja subset Gale renders: <c>{{ expression }}</c> with names, member access, indexes, calls,
/// string/number/list literals and filters, plus <c>{# comments #}</c>. Statements (<c>{% … %}</c>) are rejected.
/// </summary>
internal static class TemplateParser
{
    public static IReadOnlyList<TemplateSegment> Parse(string template)
    {
        var segments = new List<TemplateSegment>();
        var literal = new StringBuilder();
        var i = 0;
        while (i < template.Length)
        {
            if (At(template, i, "{{"))
            {
                var end = template.IndexOf("}}", i + 2, StringComparison.Ordinal);
                if (end < 0)
                {
                    throw new TemplateException($"'{{{{' at position {i} is never closed with '}}}}'");
                }

                Flush(segments, literal);
                var source = template[(i + 2)..end].Trim();
                segments.Add(new ExpressionSegment(source, new ExpressionParser(source).ParseAll()));
                i = end + 2;
            }
            else if (At(template, i, "{#"))
            {
                var end = template.IndexOf("#}", i + 2, StringComparison.Ordinal);
                i = end < 0 ? throw new TemplateException($"'{{#' at position {i} is never closed with '#}}'") : end + 2;
            }
            else if (At(template, i, "{%"))
            {
                throw new TemplateException($"statements ('{{% … %}}') are not supported, only {{{{ expressions }}}} (position {i})");
            }
            else
            {
                literal.Append(template[i++]);
            }
        }

        Flush(segments, literal);
        return segments;
    }

    private static bool At(string s, int i, string token) => string.CompareOrdinal(s, i, token, 0, token.Length) == 0;

    private static void Flush(List<TemplateSegment> segments, StringBuilder literal)
    {
        if (literal.Length > 0)
        {
            segments.Add(new LiteralSegment(literal.ToString()));
            literal.Clear();
        }
    }

    private sealed class ExpressionParser(string source)
    {
        private int _pos;

        public Expression ParseAll()
        {
            if (source.Length == 0)
            {
                throw Error("empty expression");
            }

            var expression = ParseFiltered();
            SkipSpace();
            return _pos == source.Length ? expression : throw Error($"unexpected '{source[_pos..]}'");
        }

        private Expression ParseFiltered()
        {
            var expression = ParsePrimary();
            while (Accept('|'))
            {
                var filter = Identifier();
                var arguments = Accept('(') ? Arguments() : [];
                expression = new FilterExpression(expression, filter, arguments);
            }

            return expression;
        }

        private Expression ParsePrimary()
        {
            SkipSpace();
            if (_pos >= source.Length)
            {
                throw Error("expression ends too early");
            }

            var c = source[_pos];
            if (c is '\'' or '"')
            {
                return new LiteralExpression(StringLiteral());
            }

            if (char.IsAsciiDigit(c) || (c == '-' && _pos + 1 < source.Length && char.IsAsciiDigit(source[_pos + 1])))
            {
                return new LiteralExpression(Number());
            }

            if (Accept('['))
            {
                var items = new List<Expression>();
                if (!Accept(']'))
                {
                    do
                    {
                        items.Add(ParseFiltered());
                    }
                    while (Accept(','));
                    Expect(']');
                }

                return new ListExpression(items);
            }

            var root = Identifier();
            switch (root)
            {
                case "true" or "True":
                    return new LiteralExpression(true);
                case "false" or "False":
                    return new LiteralExpression(false);
                case "none" or "None":
                    return new LiteralExpression(null);
            }

            var steps = new List<PathStep>();
            while (true)
            {
                if (Accept('.'))
                {
                    steps.Add(new MemberStep(Identifier()));
                }
                else if (Accept('['))
                {
                    SkipSpace();
                    steps.Add(_pos < source.Length && source[_pos] is '\'' or '"' ? new MemberStep(StringLiteral()) : new IndexStep(checked((int)Number())));
                    Expect(']');
                }
                else if (Accept('('))
                {
                    steps.Add(new CallStep(Arguments()));
                }
                else
                {
                    return new PathExpression(root, steps);
                }
            }
        }

        // After '(': arguments up to and including ')'.
        private List<Argument> Arguments()
        {
            var arguments = new List<Argument>();
            if (Accept(')'))
            {
                return arguments;
            }

            do
            {
                SkipSpace();
                var start = _pos;
                string? name = null;
                if (_pos < source.Length && (char.IsAsciiLetter(source[_pos]) || source[_pos] == '_'))
                {
                    var id = Identifier();
                    SkipSpace();
                    if (_pos < source.Length && source[_pos] == '=' && (_pos + 1 >= source.Length || source[_pos + 1] != '='))
                    {
                        _pos++;
                        name = id;
                    }
                    else
                    {
                        _pos = start;
                    }
                }

                arguments.Add(new Argument(name, ParseFiltered()));
            }
            while (Accept(','));
            Expect(')');
            return arguments;
        }

        private string Identifier()
        {
            SkipSpace();
            var start = _pos;
            while (_pos < source.Length && (char.IsAsciiLetterOrDigit(source[_pos]) || source[_pos] == '_'))
            {
                _pos++;
            }

            return _pos > start && !char.IsAsciiDigit(source[start])
                ? source[start.._pos]
                : throw Error(_pos < source.Length ? $"expected a name at '{source[_pos..]}'" : "expected a name at the end");
        }

        private string StringLiteral()
        {
            var quote = source[_pos++];
            var text = new StringBuilder();
            while (_pos < source.Length && source[_pos] != quote)
            {
                if (source[_pos] == '\\' && _pos + 1 < source.Length)
                {
                    _pos++;
                    text.Append(source[_pos] switch { 'n' => '\n', 't' => '\t', var other => other });
                }
                else
                {
                    text.Append(source[_pos]);
                }

                _pos++;
            }

            if (_pos >= source.Length)
            {
                throw Error("a string literal is never closed");
            }

            _pos++;
            return text.ToString();
        }

        private double Number()
        {
            SkipSpace();
            var start = _pos;
            if (_pos < source.Length && source[_pos] == '-')
            {
                _pos++;
            }

            while (_pos < source.Length && (char.IsAsciiDigit(source[_pos]) || source[_pos] == '.'))
            {
                _pos++;
            }

            return double.TryParse(source.AsSpan(start, _pos - start), NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                ? n
                : throw Error($"'{source[start.._pos]}' is not a number");
        }

        private bool Accept(char c)
        {
            SkipSpace();
            if (_pos < source.Length && source[_pos] == c)
            {
                _pos++;
                return true;
            }

            return false;
        }

        private void Expect(char c)
        {
            if (!Accept(c))
            {
                throw Error(_pos < source.Length ? $"expected '{c}' at '{source[_pos..]}'" : $"expected '{c}' at the end");
            }
        }

        private void SkipSpace()
        {
            while (_pos < source.Length && char.IsWhiteSpace(source[_pos]))
            {
                _pos++;
            }
        }

        private TemplateException Error(string problem) => new($"cannot parse '{{{{ {source} }}}}': {problem}");
    }
}
