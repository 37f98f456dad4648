namespace Gale.Templates;

/// <summary>A template that cannot be rendered: bad syntax, or a name that does not resolve. The message names the field when known.</summary>
public sealed class TemplateException : Exception
{
    /// <summary>Creates the exception.</summary>
    public TemplateException(string message)
        : base(message)
    {
    }

    /// <summary>Creates the exception with its cause.</summary>
    public TemplateException(string message, Exception inner)
        : base(message, inner)
    {
    }
}
