namespace Nabla.Generator.Model;

// The evaluable form of a network method: the compiler's bound tree (IOperation) reduced to the subset the generator
// runs, with every member resolved as the compiler resolved it (overloads, defaults, params arrays, conversions) and
// every constant folded. Records compare by value, so an unchanged method yields an equal tree and the incremental
// pipeline reuses its output.

/// <summary>A statement or expression of a network method, with its source location.</summary>
/// <param name="At">Where it is.</param>
internal abstract record Code(SourceLocation? At);

/// <summary>An expression.</summary>
internal abstract record Expr(SourceLocation? At) : Code(At);

/// <summary>A statement.</summary>
internal abstract record Stmt(SourceLocation? At) : Code(At);

/// <summary>A constant (folded by the compiler): number, bool, char, string, enum value (<paramref name="Type"/> is the enum) or null.</summary>
internal sealed record ConstExpr(SourceLocation? At, object? Value, TypeRef? Type) : Expr(At);
/// <summary>A local, a lambda parameter or a helper's parameter, by unique id.</summary>
internal sealed record VarExpr(SourceLocation? At, string Id, string Name) : Expr(At);
/// <summary><c>new T(args) { initializers }</c>; initializers refer to the new object as <see cref="InitTargetExpr"/>.</summary>
internal sealed record NewExpr(SourceLocation? At, MethodRef Ctor, EquatableArray<Expr> Args, EquatableArray<Expr> Initializers) : Expr(At);
/// <summary>A method or user-defined operator call; <paramref name="Receiver"/> is null for a static method.</summary>
internal sealed record CallExpr(SourceLocation? At, MethodRef Method, Expr? Receiver, EquatableArray<Expr> Args) : Expr(At);
/// <summary>A call of a helper method (or property getter, or field) of the [Network] class.</summary>
internal sealed record UserCallExpr(SourceLocation? At, string Function, string Display, EquatableArray<Expr> Args) : Expr(At);
/// <summary>A property or indexer read (<c>Shape.Scalar</c>, <c>layer[x]</c>, <c>list[i]</c>).</summary>
internal sealed record PropertyExpr(SourceLocation? At, TypeRef Type, string Name, EquatableArray<TypeRef> IndexParams, Expr? Receiver, EquatableArray<Expr> Args, string Display) : Expr(At);
/// <summary>A non-constant field read (<c>Shape.Batch</c> is constant; <c>InitScheme.He</c> is not).</summary>
internal sealed record FieldExpr(SourceLocation? At, TypeRef Type, string Name, Expr? Receiver, string Display) : Expr(At);
/// <summary>A built-in operator on numbers, bools, chars or strings: <c>+ - * / % &lt; &lt;= &gt; &gt;= == != &amp; | ^ &lt;&lt; &gt;&gt;</c>.</summary>
internal sealed record BinaryExpr(SourceLocation? At, string Op, Expr Left, Expr Right, TypeRef Type) : Expr(At);
/// <summary><c>&amp;&amp;</c> (And) or <c>||</c>, short-circuiting.</summary>
internal sealed record LogicalExpr(SourceLocation? At, bool And, Expr Left, Expr Right) : Expr(At);
/// <summary>A built-in unary operator: <c>- + ! ~</c>.</summary>
internal sealed record UnaryExpr(SourceLocation? At, string Op, Expr Operand, TypeRef Type) : Expr(At);
/// <summary>A numeric or enum conversion to <paramref name="To"/> (reference conversions are not represented).</summary>
internal sealed record ConvertExpr(SourceLocation? At, Expr Operand, TypeRef To, bool Checked) : Expr(At);
/// <summary><c>c ? a : b</c>.</summary>
internal sealed record ConditionalExpr(SourceLocation? At, Expr Condition, Expr WhenTrue, Expr WhenFalse) : Expr(At);
/// <summary><c>new T[] { … }</c> or <c>new T[n]</c> (one dimension).</summary>
internal sealed record NewArrayExpr(SourceLocation? At, TypeRef Element, Expr? Size, EquatableArray<Expr> Elements) : Expr(At);
/// <summary><c>a[i]</c> on an array.</summary>
internal sealed record ElementExpr(SourceLocation? At, Expr Array, Expr Index) : Expr(At);
/// <summary>A tuple <c>("linear1", l1)</c>.</summary>
internal sealed record TupleExpr(SourceLocation? At, TypeRef Type, EquatableArray<Expr> Elements) : Expr(At);
/// <summary>A lambda converted to <paramref name="Delegate"/> (parameters by variable id).</summary>
internal sealed record LambdaExpr(SourceLocation? At, TypeRef Delegate, EquatableArray<string> Params, Stmt Body) : Expr(At);
/// <summary>
/// A method group converted to <paramref name="Delegate"/>: a static method (<c>Act.Relu</c> as a <c>Func&lt;Node, Node&gt;</c>)
/// or an instance method of a DSL object (<c>softplus.Call</c>, <paramref name="Receiver"/> evaluated when the delegate is made).
/// </summary>
internal sealed record MethodGroupExpr(SourceLocation? At, TypeRef Delegate, MethodRef Method, Expr? Receiver) : Expr(At);
/// <summary>A static method of the [Network] class converted to <paramref name="Delegate"/> (run from source when called).</summary>
internal sealed record UserMethodGroupExpr(SourceLocation? At, TypeRef Delegate, string Function, string Display) : Expr(At);
/// <summary>A collection expression <c>[a, ..b]</c> of target type <paramref name="Target"/>.</summary>
internal sealed record CollectionExpr(SourceLocation? At, TypeRef Target, TypeRef Element, EquatableArray<Expr> Elements, EquatableArray<bool> Spread) : Expr(At);
/// <summary>An interpolated string; holes are formatted with the invariant culture.</summary>
internal sealed record InterpolationExpr(SourceLocation? At, EquatableArray<Expr> Parts) : Expr(At);
/// <summary><c>target = value</c> (a local, array element or property).</summary>
internal sealed record AssignExpr(SourceLocation? At, Expr Target, Expr Value) : Expr(At);
/// <summary><c>target op= value</c>: a built-in operator (<paramref name="Operator"/> null) or a user-defined one (<c>h += x</c> on nodes).</summary>
internal sealed record CompoundExpr(SourceLocation? At, Expr Target, string Op, Expr Value, MethodRef? Operator, TypeRef Type) : Expr(At);
/// <summary><c>++i</c>, <c>i--</c> on a number.</summary>
internal sealed record IncrementExpr(SourceLocation? At, Expr Target, bool Increment, bool Postfix, TypeRef Type) : Expr(At);
/// <summary>The object an initializer (<c>new List&lt;Module&gt; { a, b }</c>) is filling.</summary>
internal sealed record InitTargetExpr(SourceLocation? At) : Expr(At);
/// <summary><c>default(T)</c>.</summary>
internal sealed record DefaultExpr(SourceLocation? At, TypeRef Type) : Expr(At);

/// <summary><c>{ … }</c>.</summary>
internal sealed record BlockStmt(SourceLocation? At, EquatableArray<Stmt> Statements) : Stmt(At);
/// <summary>A local declaration (one variable), with or without initializer.</summary>
internal sealed record DeclareStmt(SourceLocation? At, string Id, Expr? Init) : Stmt(At);
/// <summary>An expression statement.</summary>
internal sealed record ExprStmt(SourceLocation? At, Expr Expr) : Stmt(At);
/// <summary><c>return e;</c></summary>
internal sealed record ReturnStmt(SourceLocation? At, Expr? Value) : Stmt(At);
/// <summary><c>if (c) a else b</c>.</summary>
internal sealed record IfStmt(SourceLocation? At, Expr Condition, Stmt Then, Stmt? Else) : Stmt(At);
/// <summary><c>for (init; cond; step) body</c>.</summary>
internal sealed record ForStmt(SourceLocation? At, EquatableArray<Stmt> Init, Expr? Condition, EquatableArray<Expr> Step, Stmt Body) : Stmt(At);
/// <summary><c>foreach (var v in collection) body</c>.</summary>
internal sealed record ForEachStmt(SourceLocation? At, string Id, Expr Collection, Stmt Body) : Stmt(At);
/// <summary><c>while (c) body</c> or <c>do body while (c)</c>.</summary>
internal sealed record WhileStmt(SourceLocation? At, Expr Condition, Stmt Body, bool ConditionFirst) : Stmt(At);
/// <summary><c>break;</c> (<paramref name="Continue"/> false) or <c>continue;</c>.</summary>
internal sealed record JumpStmt(SourceLocation? At, bool Continue) : Stmt(At);
