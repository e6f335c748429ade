using System;
using Nabla.Generator.Model;

namespace Nabla.Generator.Evaluation;

/// <summary>Evaluating a network method stopped with a diagnostic (an unsupported value, a DSL error, a runaway loop).</summary>
internal sealed class EvaluationError : Exception
{
    public EvaluationError(DiagnosticInfo diagnostic) : base(diagnostic.Message) { Diagnostic = diagnostic; }

    /// <summary>What to report.</summary>
    public DiagnosticInfo Diagnostic { get; }
}
