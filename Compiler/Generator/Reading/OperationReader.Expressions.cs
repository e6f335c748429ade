using System.Collections.Generic;
using System.Linq;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.Operations;
using Nabla.Generator.Model;

namespace Nabla.Generator.Reading;

internal sealed partial class OperationReader
{
    /// <summary>Reads one expression; what is outside the subset is reported and read as <c>null</c>.</summary>
    private Expr Expression(IOperation op)
    {
        _ct.ThrowIfCancellationRequested();
        var at = At(op);
        if (op.ConstantValue.HasValue && op is not IDefaultValueOperation { Type.IsValueType: true })
            return new ConstExpr(at, op.ConstantValue.Value, op.Type is { TypeKind: TypeKind.Enum } e ? Symbols.Type(e) : null);
        switch (op)
        {
            case ILocalReferenceOperation l: return new VarExpr(at, VarId(l.Local), l.Local.Name);
            case IParameterReferenceOperation p: return new VarExpr(at, VarId(p.Parameter), p.Parameter.Name);
            case IObjectCreationOperation c: return New(c);
            case IInvocationOperation i: return Invocation(i);
            case IPropertyReferenceOperation p: return Property(p);
            case IFieldReferenceOperation f: return Field(f);
            case IBinaryOperation b: return Binary(b);
            case IUnaryOperation u when u.OperatorMethod is { } m: return Call(at, m, null, new[] { u.Operand }, u);
            case IUnaryOperation u:
                return new UnaryExpr(at, u.OperatorKind switch
                {
                    UnaryOperatorKind.Minus => "-", UnaryOperatorKind.Plus => "+", UnaryOperatorKind.Not => "!", UnaryOperatorKind.BitwiseNegation => "~", _ => "?",
                }, Expression(u.Operand), Symbols.Type(u.Type!));
            case IConversionOperation c: return Conversion(c);
            case IConditionalOperation c when c.WhenFalse is not null:
                return new ConditionalExpr(at, Expression(c.Condition), Expression(c.WhenTrue), Expression(c.WhenFalse));
            case IArrayCreationOperation a when a.DimensionSizes.Length == 1 && a.Type is IArrayTypeSymbol at1:
                return new NewArrayExpr(at, Symbols.Type(at1.ElementType),
                    a.Initializer is null ? Expression(a.DimensionSizes[0]) : null,
                    a.Initializer is null ? EquatableArray<Expr>.Empty : EquatableArray.From(a.Initializer.ElementValues.Select(Expression)));
            case IArrayElementReferenceOperation e when e.Indices.Length == 1:
                return new ElementExpr(at, Expression(e.ArrayReference), Expression(e.Indices[0]));
            case ITupleOperation t when t.Type is not null:
                return new TupleExpr(at, Symbols.Type(t.Type), EquatableArray.From(t.Elements.Select(Expression)));
            case IDelegateCreationOperation d when d.Type is not null && Symbols.IsSystemDelegate(d.Type):
                return Delegate(d);
            case IInterpolatedStringOperation s:
                return new InterpolationExpr(at, EquatableArray.From(s.Parts.Select(part => part switch
                {
                    IInterpolatedStringTextOperation t => Expression(t.Text),
                    IInterpolationOperation h when h.Alignment is null && h.FormatString is null => Expression(h.Expression),
                    _ => UnsupportedExpr(part, "alignment and format strings in interpolations"),
                })));
            case ICollectionExpressionOperation c when c.Type is not null:
                return Collection(c);
            case ISimpleAssignmentOperation a when IsAssignable(a.Target):
                return new AssignExpr(at, Expression(a.Target), Expression(a.Value));
            case ICompoundAssignmentOperation a when IsAssignable(a.Target) && a.Type is not null:
                return new CompoundExpr(at, Expression(a.Target), BinaryOp(a.OperatorKind), Expression(a.Value),
                    a.OperatorMethod is null ? null : Symbols.Method(a.OperatorMethod), Symbols.Type(a.Type));
            case IIncrementOrDecrementOperation inc when inc.OperatorMethod is null && IsAssignable(inc.Target) && inc.Type is not null:
                return new IncrementExpr(at, Expression(inc.Target), inc.Kind == OperationKind.Increment, inc.IsPostfix, Symbols.Type(inc.Type));
            case IInstanceReferenceOperation { ReferenceKind: InstanceReferenceKind.ImplicitReceiver }:
                return new InitTargetExpr(at);
            case IDefaultValueOperation d when d.Type is not null: return new DefaultExpr(at, Symbols.Type(d.Type));
            case IInvalidOperation: HasCompilerErrors = true; return new ConstExpr(at, null, null);
            default: return UnsupportedExpr(op, Describe(op));
        }
    }

    private Expr UnsupportedExpr(IOperation op, string what)
    {
        Report(DiagnosticDescriptors.UnsupportedSyntax, op, Text(op), what);
        return new ConstExpr(At(op), null, null);
    }

    private static bool IsAssignable(IOperation target) =>
        target is ILocalReferenceOperation or IParameterReferenceOperation or IArrayElementReferenceOperation or IPropertyReferenceOperation;

    private Expr New(IObjectCreationOperation c)
    {
        var at = At(c);
        if (c.Constructor is null || c.Type is null) { HasCompilerErrors = true; return new ConstExpr(at, null, null); }
        if (!Symbols.IsAvailable(c.Type))
        {
            Report(Symbols.IsModule(c.Type) ? DiagnosticDescriptors.UnknownLayer : DiagnosticDescriptors.UnavailableMember, c,
                Symbols.IsModule(c.Type) ? c.Type.Name : Symbols.Display(c.Constructor));
            return new ConstExpr(at, null, null);
        }
        var inits = new List<Expr>();
        if (c.Initializer is { } init)
            foreach (var i in init.Initializers) inits.Add(Expression(i));
        return new NewExpr(at, Symbols.Method(c.Constructor), Arguments(c.Constructor, c.Arguments), EquatableArray.From(inits));
    }

    private Expr Invocation(IInvocationOperation i)
    {
        var m = i.TargetMethod;
        var at = At(i);
        if (SymbolEqualityComparer.Default.Equals(m.ContainingType, _class) && m.IsStatic)
        {
            var id = Helper(m, i);
            return id is null ? new ConstExpr(at, null, null) : new UserCallExpr(at, id, Symbols.Display(m), Arguments(m, i.Arguments));
        }
        if (!Symbols.IsAvailable(m.ContainingType))
        {
            Report(DiagnosticDescriptors.UnavailableMember, i, Symbols.Display(m));
            return new ConstExpr(at, null, null);
        }
        return new CallExpr(at, Symbols.Method(m), i.Instance is null ? null : Expression(i.Instance), Arguments(m, i.Arguments));
    }

    private Expr Call(SourceLocation? at, IMethodSymbol m, IOperation? receiver, IOperation[] args, IOperation use)
    {
        if (!Symbols.IsAvailable(m.ContainingType))
        {
            Report(DiagnosticDescriptors.UnavailableMember, use, Symbols.Display(m));
            return new ConstExpr(at, null, null);
        }
        return new CallExpr(at, Symbols.Method(m), receiver is null ? null : Expression(receiver), EquatableArray.From(args.Select(Expression)));
    }

    private Expr Property(IPropertyReferenceOperation p)
    {
        var at = At(p);
        var prop = p.Property;
        if (SymbolEqualityComparer.Default.Equals(prop.ContainingType, _class) && prop.IsStatic && p.Arguments.Length == 0)
        {
            var id = Helper(prop, p);
            return id is null ? new ConstExpr(at, null, null) : new UserCallExpr(at, id, Symbols.Display(prop), EquatableArray<Expr>.Empty);
        }
        if (!Symbols.IsAvailable(prop.ContainingType))
        {
            Report(DiagnosticDescriptors.UnavailableMember, p, Symbols.Display(prop));
            return new ConstExpr(at, null, null);
        }
        var args = prop.Parameters.Length == 0 ? EquatableArray<Expr>.Empty : ArgumentsOf(prop.Parameters, p.Arguments);
        return new PropertyExpr(at, Symbols.Type(prop.ContainingType), prop.MetadataName,
            EquatableArray.From(prop.Parameters.Select(x => Symbols.Type(x.Type))), p.Instance is null ? null : Expression(p.Instance), args, Symbols.Display(prop));
    }

    private Expr Field(IFieldReferenceOperation f)
    {
        var at = At(f);
        var field = f.Field;
        if (SymbolEqualityComparer.Default.Equals(field.ContainingType, _class) && field.IsStatic)
        {
            var id = Helper(field, f);
            return id is null ? new ConstExpr(at, null, null) : new UserCallExpr(at, id, Symbols.Display(field), EquatableArray<Expr>.Empty);
        }
        if (!Symbols.IsAvailable(field.ContainingType) || f.Instance is not null && !field.ContainingType.IsTupleType)
        {
            Report(DiagnosticDescriptors.UnavailableMember, f, Symbols.Display(field));
            return new ConstExpr(at, null, null);
        }
        var type = field.ContainingType.IsTupleType ? Symbols.Type(field.ContainingType) : Symbols.Type(field.ContainingType);
        var name = field.CorrespondingTupleField?.Name ?? field.Name;
        return new FieldExpr(at, type, name, f.Instance is null ? null : Expression(f.Instance), Symbols.Display(field));
    }

    private Expr Binary(IBinaryOperation b)
    {
        var at = At(b);
        if (b.OperatorMethod is { } m) return Call(at, m, null, new[] { b.LeftOperand, b.RightOperand }, b);
        if (b.OperatorKind is BinaryOperatorKind.ConditionalAnd or BinaryOperatorKind.ConditionalOr)
            return new LogicalExpr(at, b.OperatorKind == BinaryOperatorKind.ConditionalAnd, Expression(b.LeftOperand), Expression(b.RightOperand));
        var op = BinaryOp(b.OperatorKind);
        if (op == "?" || b.Type is null) return UnsupportedExpr(b, $"the operator {b.OperatorKind}");
        return new BinaryExpr(at, op, Expression(b.LeftOperand), Expression(b.RightOperand), Symbols.Type(b.Type));
    }

    private static string BinaryOp(BinaryOperatorKind k) => k switch
    {
        BinaryOperatorKind.Add => "+", BinaryOperatorKind.Subtract => "-", BinaryOperatorKind.Multiply => "*", BinaryOperatorKind.Divide => "/",
        BinaryOperatorKind.Remainder => "%", BinaryOperatorKind.LessThan => "<", BinaryOperatorKind.LessThanOrEqual => "<=",
        BinaryOperatorKind.GreaterThan => ">", BinaryOperatorKind.GreaterThanOrEqual => ">=", BinaryOperatorKind.Equals => "==",
        BinaryOperatorKind.NotEquals => "!=", BinaryOperatorKind.And => "&", BinaryOperatorKind.Or => "|", BinaryOperatorKind.ExclusiveOr => "^",
        BinaryOperatorKind.LeftShift => "<<", BinaryOperatorKind.RightShift => ">>", _ => "?",
    };

    private Expr Conversion(IConversionOperation c)
    {
        var at = At(c);
        var to = c.Type!;
        var conv = c.Conversion;
        if (conv.IsUserDefined && c.OperatorMethod is { } m) return Call(at, m, null, new[] { c.Operand }, c);
        if (to.IsTupleType)
            return c.Operand is ITupleOperation t
                ? new TupleExpr(at, Symbols.Type(to), EquatableArray.From(t.Elements.Select(Expression)))
                : new ConvertExpr(at, Expression(c.Operand), Symbols.Type(to), c.IsChecked);
        var target = Underlying(to);
        var from = c.Operand.Type is { } f ? Underlying(f) : null;
        static bool scalar(ITypeSymbol t) => IsNumeric(t) || t.TypeKind == TypeKind.Enum;
        if (from is not null && scalar(target) && scalar(from) && !SymbolEqualityComparer.Default.Equals(from, target))
            return new ConvertExpr(at, Expression(c.Operand), Symbols.Type(target), c.IsChecked);
        return Expression(c.Operand); // identity, reference, boxing, nullable wrapping: the value is unchanged
    }

    private static ITypeSymbol Underlying(ITypeSymbol t) =>
        t is INamedTypeSymbol { OriginalDefinition.SpecialType: SpecialType.System_Nullable_T } n ? n.TypeArguments[0] : t;

    private static bool IsNumeric(ITypeSymbol t) => t.SpecialType is >= SpecialType.System_Char and <= SpecialType.System_Double;

    private Expr Delegate(IDelegateCreationOperation d)
    {
        var at = At(d);
        var type = Symbols.Type(d.Type!);
        switch (d.Target)
        {
            case IAnonymousFunctionOperation f:
                return new LambdaExpr(at, type, EquatableArray.From(f.Symbol.Parameters.Select(VarId)), Block(f.Body));
            case IMethodReferenceOperation { Method: var m, Instance: null } when SymbolEqualityComparer.Default.Equals(m.ContainingType, _class):
            {
                // A helper of the class as a delegate (Op.Define("act", MyForward), Module.Lambda("Act", MyAct)).
                var id = Helper(m, d);
                return id is null ? new ConstExpr(at, null, null) : new UserMethodGroupExpr(at, type, id, Symbols.Display(m));
            }
            case IMethodReferenceOperation r when r.Instance is not null && (r.Method.IsStatic || r.Method.MethodKind == MethodKind.ReducedExtension):
                return UnsupportedExpr(d, "an extension method as a delegate; wrap it in a lambda");
            case IMethodReferenceOperation { Method: var m, Instance: var instance } when instance is null || !m.IsStatic:
                if (!Symbols.IsAvailable(m.ContainingType)) { Report(DiagnosticDescriptors.UnavailableMember, d, Symbols.Display(m)); return new ConstExpr(at, null, null); }
                // An instance method (softplus.Call): the receiver is read when the delegate is made, as in C#.
                return new MethodGroupExpr(at, type, Symbols.Method(m), instance is null ? null : Expression(instance));
            default: return UnsupportedExpr(d, "this kind of delegate");
        }
    }

    private Expr Collection(ICollectionExpressionOperation c)
    {
        var target = c.Type!;
        ITypeSymbol? element = target switch
        {
            IArrayTypeSymbol a => a.ElementType,
            INamedTypeSymbol { TypeArguments.Length: 1 } n => n.TypeArguments[0],
            _ => null,
        };
        if (element is null) return UnsupportedExpr(c, $"a collection expression of type {target.ToDisplayString()}");
        var items = new List<Expr>(); var spread = new List<bool>();
        foreach (var e in c.Elements)
        {
            if (e is ISpreadOperation s) { items.Add(Expression(s.Operand)); spread.Add(true); }
            else { items.Add(Expression(e)); spread.Add(false); }
        }
        return new CollectionExpr(At(c), Symbols.Type(target), Symbols.Type(element), EquatableArray.From(items), EquatableArray.From(spread));
    }

    /// <summary>The arguments in parameter order (named arguments reordered, defaults and params arrays filled in by the compiler).</summary>
    private EquatableArray<Expr> Arguments(IMethodSymbol m, IEnumerable<IArgumentOperation> args) => ArgumentsOf(m.Parameters, args);

    private EquatableArray<Expr> ArgumentsOf(IEnumerable<IParameterSymbol> parameters, IEnumerable<IArgumentOperation> args)
    {
        var ps = parameters.ToArray();
        var result = new Expr[ps.Length];
        foreach (var a in args)
        {
            if (a.Parameter is null) { HasCompilerErrors = true; continue; }
            result[a.Parameter.Ordinal] = Expression(a.Value);
        }
        for (int i = 0; i < result.Length; i++) result[i] ??= new ConstExpr(null, null, null);
        return new EquatableArray<Expr>(result);
    }
}
