using System;
using System.Collections.Generic;
using System.Linq;
using System.Threading;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp.Syntax;
using Microsoft.CodeAnalysis.Operations;
using Nabla.Generator.Model;

namespace Nabla.Generator.Reading;

/// <summary>
/// Reads the bound trees (<see cref="IOperation"/>) of a [Network] class's methods into the evaluable
/// <see cref="Code"/> records: statements (this file) and expressions (the other part). What falls outside the
/// subset becomes a diagnostic at its location; code that does not bind (the compiler reports that itself) stops
/// reading without a diagnostic of ours.
/// </summary>
internal sealed partial class OperationReader
{
    private readonly INamedTypeSymbol _class;
    private readonly Compilation _compilation;
    private readonly CancellationToken _ct;
    private readonly Dictionary<string, UserFunction?> _helpers = new(StringComparer.Ordinal);
    private readonly List<string> _helperOrder = new();

    public OperationReader(INamedTypeSymbol networkClass, Compilation compilation, CancellationToken ct)
    {
        _class = networkClass; _compilation = compilation; _ct = ct;
    }

    /// <summary>Problems found so far.</summary>
    public List<DiagnosticInfo> Diagnostics { get; } = new();

    /// <summary>True when some code did not bind: the compiler reports it, and nothing is generated.</summary>
    public bool HasCompilerErrors { get; private set; }

    /// <summary>The helpers read so far (methods, properties and fields of the class that the network methods use).</summary>
    public IEnumerable<UserFunction> Helpers => _helperOrder.Select(id => _helpers[id]).Where(h => h is not null)!;

    /// <summary>Reads a method, property getter or field initializer of the class as a function; null when it has no body in source.</summary>
    public UserFunction? ReadMember(ISymbol member)
    {
        _ct.ThrowIfCancellationRequested();
        var id = member.GetDocumentationCommentId() ?? member.ToDisplayString();
        var display = Symbols.Display(member);
        foreach (var reference in member.DeclaringSyntaxReferences)
        {
            var syntax = reference.GetSyntax(_ct);
            var model = _compilation.GetSemanticModel(syntax.SyntaxTree);
            switch (syntax)
            {
                case MethodDeclarationSyntax m when ((SyntaxNode?)m.Body ?? m.ExpressionBody) is { } body:
                    return Function(id, display, ((IMethodSymbol)member).Parameters, model.GetOperation(body, _ct), false, m.Identifier);
                case PropertyDeclarationSyntax p when p.ExpressionBody is { } arrow:
                    return Function(id, display, default, model.GetOperation(arrow, _ct), false, p.Identifier);
                case PropertyDeclarationSyntax p when p.AccessorList?.Accessors.FirstOrDefault(a => a.Keyword.Text == "get") is { } get
                                                      && ((SyntaxNode?)get.Body ?? get.ExpressionBody) is { } body:
                    return Function(id, display, default, model.GetOperation(body, _ct), false, p.Identifier);
                case PropertyDeclarationSyntax p when p.Initializer is { } init:
                    return Function(id, display, default, model.GetOperation(init, _ct), true, p.Identifier);
                case VariableDeclaratorSyntax v when v.Initializer is { } init:
                    return Function(id, display, default, model.GetOperation(init, _ct), true, v.Identifier);
            }
        }
        return null;
    }

    private UserFunction? Function(string id, string display, IEnumerable<IParameterSymbol>? parameters, IOperation? body, bool isField, SyntaxToken name)
    {
        var at = SourceLocation.Of(name.GetLocation());
        Stmt? stmt = body switch
        {
            null => null,
            IBlockOperation b => Block(b),
            IFieldInitializerOperation f => new ReturnStmt(SourceLocation.Of(f.Value.Syntax), Expression(f.Value)),
            IPropertyInitializerOperation p => new ReturnStmt(SourceLocation.Of(p.Value.Syntax), Expression(p.Value)),
            IMethodBodyOperation { BlockBody: { } b } => Block(b),
            IMethodBodyOperation { ExpressionBody: { } b } => Block(b),
            _ when body.Type is not null => new ReturnStmt(SourceLocation.Of(body.Syntax), Expression(body)),
            _ => Unsupported(body, "this kind of body"),
        };
        if (stmt is null) return null;
        var ps = parameters is null ? EquatableArray<string>.Empty : EquatableArray.From(parameters.Select(VarId));
        return new UserFunction(id, display, ps, stmt, isField, at);
    }

    /// <summary>The function id of a helper member, reading it the first time; null (with a diagnostic) when it has no body.</summary>
    private string? Helper(ISymbol member, IOperation use)
    {
        var id = member.GetDocumentationCommentId() ?? member.ToDisplayString();
        if (_helpers.ContainsKey(id)) return id;
        _helpers[id] = null; // reserve first: a recursive helper refers to itself while being read
        _helperOrder.Add(id);
        var f = ReadMember(member);
        if (f is null)
        {
            Report(DiagnosticDescriptors.UnavailableMember, use, Symbols.Display(member));
            return null;
        }
        _helpers[id] = f;
        return id;
    }

    // ---------------------------------------------------------------- statements

    private BlockStmt Block(IBlockOperation b)
    {
        var list = new List<Stmt>();
        foreach (var op in b.Operations) Statement(op, list);
        return new BlockStmt(At(b), EquatableArray.From(list));
    }

    private Stmt StatementAlone(IOperation op)
    {
        if (op is IBlockOperation b) return Block(b);
        var list = new List<Stmt>();
        Statement(op, list);
        return list.Count == 1 ? list[0] : new BlockStmt(At(op), EquatableArray.From(list));
    }

    private void Statement(IOperation op, List<Stmt> into)
    {
        _ct.ThrowIfCancellationRequested();
        switch (op)
        {
            case IBlockOperation b: into.Add(Block(b)); break;
            case IVariableDeclarationGroupOperation g:
                foreach (var decl in g.Declarations)
                    foreach (var v in decl.Declarators)
                    {
                        var init = v.Initializer?.Value ?? decl.Initializer?.Value;
                        into.Add(new DeclareStmt(At(v), VarId(v.Symbol), init is null ? null : Expression(init)));
                    }
                break;
            case IExpressionStatementOperation e: into.Add(new ExprStmt(At(e), Expression(e.Operation))); break;
            case IReturnOperation r: into.Add(new ReturnStmt(At(r), r.ReturnedValue is null ? null : Expression(r.ReturnedValue))); break;
            case IConditionalOperation c:
                into.Add(new IfStmt(At(c), Expression(c.Condition), StatementAlone(c.WhenTrue), c.WhenFalse is null ? null : StatementAlone(c.WhenFalse)));
                break;
            case IForLoopOperation f:
            {
                var init = new List<Stmt>();
                foreach (var b in f.Before) Statement(b, init);
                into.Add(new ForStmt(At(f), EquatableArray.From(init), f.Condition is null ? null : Expression(f.Condition),
                    EquatableArray.From(f.AtLoopBottom.Select(s => s is IExpressionStatementOperation es ? Expression(es.Operation) : Expression(s))),
                    StatementAlone(f.Body)));
                break;
            }
            case IForEachLoopOperation fe when fe.LoopControlVariable is IVariableDeclaratorOperation v:
                into.Add(new ForEachStmt(At(fe), VarId(v.Symbol), Expression(fe.Collection), StatementAlone(fe.Body)));
                break;
            case IWhileLoopOperation w when !w.ConditionIsUntil && w.Condition is not null:
                into.Add(new WhileStmt(At(w), Expression(w.Condition), StatementAlone(w.Body), w.ConditionIsTop));
                break;
            case IBranchOperation { BranchKind: BranchKind.Break } br: into.Add(new JumpStmt(At(br), false)); break;
            case IBranchOperation { BranchKind: BranchKind.Continue } br: into.Add(new JumpStmt(At(br), true)); break;
            case IEmptyOperation: break;
            case IInvalidOperation: HasCompilerErrors = true; break;
            default: into.Add(Unsupported(op, Describe(op))); break;
        }
    }

    // ---------------------------------------------------------------- helpers

    private static string VarId(ISymbol s)
    {
        var loc = s.Locations.FirstOrDefault();
        return s.Name + "@" + (loc is null ? 0 : loc.SourceSpan.Start);
    }

    private static SourceLocation? At(IOperation op) => SourceLocation.Of(op.Syntax);

    private void Report(DiagnosticDescriptor d, IOperation at, params string[] args) =>
        Diagnostics.Add(DiagnosticInfo.Create(d, At(at), args));

    private Stmt Unsupported(IOperation op, string what)
    {
        Report(DiagnosticDescriptors.UnsupportedSyntax, op, Text(op), what);
        return new BlockStmt(At(op), EquatableArray<Stmt>.Empty);
    }

    private static string Text(IOperation op)
    {
        var s = op.Syntax.ToString().Replace("\r", " ").Replace("\n", " ");
        while (s.Contains("  ")) s = s.Replace("  ", " ");
        return s.Length > 60 ? s.Substring(0, 57) + "..." : s;
    }

    private static string Describe(IOperation op) => op.Kind switch
    {
        OperationKind.Try => "try/catch",
        OperationKind.Using or OperationKind.UsingDeclaration => "using",
        OperationKind.Switch or OperationKind.SwitchExpression => "switch",
        OperationKind.LocalFunction => "local functions; declare a static helper method in the [Network] class instead",
        OperationKind.Throw => "throw",
        OperationKind.Lock => "lock",
        OperationKind.Await => "await",
        OperationKind.Coalesce or OperationKind.CoalesceAssignment => "the ?? operator",
        OperationKind.ConditionalAccess => "the ?. operator",
        OperationKind.IsPattern or OperationKind.IsType => "type tests",
        OperationKind.DeclarationExpression or OperationKind.DeconstructionAssignment => "deconstruction and out variables",
        OperationKind.InstanceReference => "'this'",
        OperationKind.TypeOf or OperationKind.SizeOf => "typeof/sizeof",
        _ => op.Kind.ToString(),
    };
}
