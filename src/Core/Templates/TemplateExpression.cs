namespace Gale.Templates;

/// <summary>One piece of a template: literal text or a <c>{{ expression }}</c>.</summary>
internal abstract record TemplateSegment;

/// <summary>Literal text.</summary>
internal sealed record LiteralSegment(string Text) : TemplateSegment;

/// <summary>An expression with the source text it came from (for errors).</summary>
internal sealed record ExpressionSegment(string Source, Expression Expression) : TemplateSegment;

/// <summary>A parsed expression.</summary>
internal abstract record Expression;

/// <summary>A string, number, boolean or none literal.</summary>
internal sealed record LiteralExpression(object? Value) : Expression;

/// <summary>A list literal: <c>['a', 'b']</c>.</summary>
internal sealed record ListExpression(IReadOnlyList<Expression> Items) : Expression;

/// <summary>A name followed by member accesses, indexes and calls: <c>ti.xcom_pull(task_ids='a')['x']</c>.</summary>
internal sealed record PathExpression(string Root, IReadOnlyList<PathStep> Steps) : Expression;

/// <summary>An expression passed through a filter: <c>x | default('y')</c>.</summary>
internal sealed record FilterExpression(Expression Input, string Filter, IReadOnlyList<Argument> Arguments) : Expression;

/// <summary>A step of a path.</summary>
internal abstract record PathStep;

/// <summary><c>.name</c> or <c>['name']</c>.</summary>
internal sealed record MemberStep(string Name) : PathStep;

/// <summary><c>[0]</c>.</summary>
internal sealed record IndexStep(int Index) : PathStep;

/// <summary><c>(args)</c>.</summary>
internal sealed record CallStep(IReadOnlyList<Argument> Arguments) : PathStep;

/// <summary>A call argument, positional (<see cref="Name"/> null) or by keyword.</summary>
internal sealed record Argument(string? Name, Expression Value);
