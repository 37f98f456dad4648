namespace Gale.Assets;

/// <summary>
/// When an asset-scheduled DAG runs (Airflow's asset condition): one asset, all of several (<c>&amp;</c>), or any of
/// several (<c>|</c>), nested. Pure: it is evaluated against the set of assets that have new events.
/// </summary>
public abstract record AssetExpression
{
    /// <summary>True when the assets in <paramref name="updated"/> (URIs) satisfy the expression.</summary>
    public abstract bool IsSatisfiedBy(IReadOnlySet<string> updated);

    /// <summary>Every asset URI the expression mentions.</summary>
    public abstract IEnumerable<string> Uris { get; }

    /// <summary>One asset.</summary>
    /// <param name="Uri">Its URI.</param>
    public sealed record Ref(string Uri) : AssetExpression
    {
        /// <inheritdoc />
        public override bool IsSatisfiedBy(IReadOnlySet<string> updated) => updated.Contains(Uri);

        /// <inheritdoc />
        public override IEnumerable<string> Uris => [Uri];

        /// <inheritdoc />
        public override string ToString() => Uri;
    }

    /// <summary>All of them.</summary>
    /// <param name="Parts">The parts.</param>
    public sealed record All(IReadOnlyList<AssetExpression> Parts) : AssetExpression
    {
        /// <inheritdoc />
        public override bool IsSatisfiedBy(IReadOnlySet<string> updated) => Parts.All(p => p.IsSatisfiedBy(updated));

        /// <inheritdoc />
        public override IEnumerable<string> Uris => Parts.SelectMany(p => p.Uris).Distinct(StringComparer.Ordinal);

        /// <inheritdoc />
        public override string ToString() => "(" + string.Join(" & ", Parts) + ")";
    }

    /// <summary>Any of them.</summary>
    /// <param name="Parts">The parts.</param>
    public sealed record Any(IReadOnlyList<AssetExpression> Parts) : AssetExpression
    {
        /// <inheritdoc />
        public override bool IsSatisfiedBy(IReadOnlySet<string> updated) => Parts.Any(p => p.IsSatisfiedBy(updated));

        /// <inheritdoc />
        public override IEnumerable<string> Uris => Parts.SelectMany(p => p.Uris).Distinct(StringComparer.Ordinal);

        /// <inheritdoc />
        public override string ToString() => "(" + string.Join(" | ", Parts) + ")";
    }

    /// <summary>
    /// Parses <c>a &amp; (b | c)</c>: operands are asset URIs or names (resolved by <paramref name="resolve"/>; any
    /// characters but spaces, parentheses, <c>&amp;</c> and <c>|</c>), <c>&amp;</c> binds tighter than <c>|</c>.
    /// </summary>
    /// <exception cref="FormatException">Bad syntax or an unknown asset; the message says where.</exception>
    public static AssetExpression Parse(string text, Func<string, string?>? resolve = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var parser = new Parser(text, resolve ?? (s => s));
        var expression = parser.ParseOr();
        parser.ExpectEnd();
        return expression;
    }

    private sealed class Parser(string text, Func<string, string?> resolve)
    {
        private int _at;

        public AssetExpression ParseOr()
        {
            var parts = new List<AssetExpression> { ParseAnd() };
            while (Peek() == '|')
            {
                _at++;
                parts.Add(ParseAnd());
            }

            return parts.Count == 1 ? parts[0] : new Any(parts);
        }

        private AssetExpression ParseAnd()
        {
            var parts = new List<AssetExpression> { ParseAtom() };
            while (Peek() == '&')
            {
                _at++;
                parts.Add(ParseAtom());
            }

            return parts.Count == 1 ? parts[0] : new All(parts);
        }

        private AssetExpression ParseAtom()
        {
            var c = Peek();
            if (c == '(')
            {
                _at++;
                var inner = ParseOr();
                if (Peek() != ')')
                {
                    throw Error("expected ')'");
                }

                _at++;
                return inner;
            }

            var start = _at;
            while (_at < text.Length && !char.IsWhiteSpace(text[_at]) && text[_at] is not ('(' or ')' or '&' or '|'))
            {
                _at++;
            }

            if (_at == start)
            {
                throw Error(c is null ? "expected an asset, found the end" : $"expected an asset, found '{c}'");
            }

            var token = text[start.._at];
            return new Ref(resolve(token) ?? throw new FormatException($"asset expression '{text}': unknown asset '{token}'"));
        }

        public void ExpectEnd()
        {
            if (Peek() is { } c)
            {
                throw Error($"unexpected '{c}'");
            }
        }

        private char? Peek()
        {
            while (_at < text.Length && char.IsWhiteSpace(text[_at]))
            {
                _at++;
            }

            return _at < text.Length ? text[_at] : null;
        }

        private FormatException Error(string problem) => new($"asset expression '{text}': {problem} at position {_at + 1}");
    }
}
