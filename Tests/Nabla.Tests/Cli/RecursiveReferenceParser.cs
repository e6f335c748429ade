using System;
using System.Collections.Generic;
using System.Globalization;
using Nabla.Cli;
using Nabla.Ir;

namespace Nabla.Tests.Cli;

/// <summary>
/// The recursive-descent parser `nabla` used before it parsed without recursion (commit cfad7c8), kept verbatim as the
/// oracle of <see cref="ParserEquivalenceTests"/>: on every input both must build the same nodes in the same order or
/// fail with the same message. It overflows the stack on deep nesting, which is why it was replaced.
/// Grammar, loosest first:
/// <code>
/// expr    := term (('+' | '-') term)*
/// term    := unary (('*' | '/') unary)*
/// unary   := ('-' | '+') unary | power
/// power   := primary ('^' unary)?          right-associative; -x^2 = -(x^2), 2^-x allowed
/// primary := number | name | name '(' expr (',' expr)* ')' | '(' expr ')'
/// </code>
/// Numbers are decimal with an optional exponent (<c>1.5e-3</c>). Functions of one argument: sin cos exp log
/// log1p expm1 sqrt abs tanh sigmoid relu softplus; of two: max min pow. Every other name is a variable, which becomes a
/// scalar float64 input of the graph.
/// </summary>
internal sealed class RecursiveReferenceParser
{
    private static readonly Dictionary<string, Func<Node, Node>> Unary = new()
    {
        ["sin"] = F.Sin, ["cos"] = F.Cos, ["exp"] = F.Exp, ["log"] = F.Log, ["log1p"] = F.Log1p, ["expm1"] = F.Expm1, ["sqrt"] = F.Sqrt, ["abs"] = F.Abs,
        ["tanh"] = F.Tanh, ["sigmoid"] = F.Sigmoid, ["relu"] = F.Relu, ["softplus"] = F.Softplus,
    };

    private static readonly Dictionary<string, Func<Node, Node, Node>> Binary = new()
    {
        ["max"] = F.Maximum, ["min"] = F.Minimum, ["pow"] = F.Pow,
    };

    private readonly string _text;
    private readonly Graph _graph;
    private readonly List<string> _variables = new();
    private readonly Dictionary<string, int> _firstColumn = new();
    private int _pos;

    private RecursiveReferenceParser(string text, Graph graph) { _text = text; _graph = graph; }

    /// <summary>The names of the functions the parser knows, one-argument ones first.</summary>
    public static IEnumerable<string> FunctionNames
    {
        get { foreach (var k in Unary.Keys) yield return k; foreach (var k in Binary.Keys) yield return k; }
    }

    /// <summary>
    /// Parses <paramref name="text"/> into a node of <paramref name="graph"/>. Returns the node and the variables
    /// in order of first appearance, with the column where each first appears.
    /// </summary>
    /// <exception cref="InputException">A syntax error, an unknown function or a wrong number of arguments.</exception>
    public static (Node Root, IReadOnlyList<(string Name, int Column)> Variables) Parse(string text, Graph graph)
    {
        var p = new RecursiveReferenceParser(text, graph);
        p.SkipSpace();
        if (p._pos >= text.Length) throw new InputException("empty expression", 1);
        var root = p.Expr();
        p.SkipSpace();
        if (p._pos < text.Length) throw new InputException($"unexpected '{text[p._pos]}'", p._pos + 1);
        var vars = new List<(string, int)>();
        foreach (var v in p._variables) vars.Add((v, p._firstColumn[v]));
        return (root, vars);
    }

    private Node Expr()
    {
        var left = Term();
        while (true)
        {
            if (Accept('+')) left = left + Term();
            else if (Accept('-')) left = left - Term();
            else return left;
        }
    }

    private Node Term()
    {
        var left = UnaryExpr();
        while (true)
        {
            if (Accept('*')) left = left * UnaryExpr();
            else if (Accept('/')) left = left / UnaryExpr();
            else return left;
        }
    }

    private Node UnaryExpr()
    {
        if (Accept('-')) return -UnaryExpr();
        if (Accept('+')) return UnaryExpr();
        return Power();
    }

    private Node Power()
    {
        var b = Primary();
        return Accept('^') ? F.Pow(b, UnaryExpr()) : b;
    }

    private Node Primary()
    {
        SkipSpace();
        int col = _pos + 1;
        if (_pos >= _text.Length) throw new InputException("unexpected end of expression", col);
        char c = _text[_pos];
        if (Accept('('))
        {
            var inner = Expr();
            Expect(')', col);
            return inner;
        }
        if (char.IsDigit(c) || c == '.') return _graph.Const(Number(), DType.F64);
        if (char.IsLetter(c) || c == '_')
        {
            var name = Name();
            SkipSpace();
            if (_pos < _text.Length && _text[_pos] == '(') return Call(name, col);
            if (Unary.ContainsKey(name) || Binary.ContainsKey(name))
                throw new InputException($"'{name}' is a function; call it as {name}(...)", col);
            if (!_firstColumn.ContainsKey(name)) { _firstColumn[name] = col; _variables.Add(name); }
            return _graph.Input(name, Shape.Scalar, DType.F64);
        }
        throw new InputException(c == ')' || c == ',' ? $"expected a value before '{c}'" : $"unexpected '{c}'", col);
    }

    private Node Call(string name, int col)
    {
        int arity = Unary.ContainsKey(name) ? 1 : Binary.ContainsKey(name) ? 2 : -1;
        if (arity < 0) throw new InputException($"unknown function '{name}'", col, $"known: {string.Join(" ", FunctionNames)}");
        SkipSpace();
        int open = _pos + 1;
        Accept('(');
        var args = new List<Node> { Expr() };
        while (Accept(',')) args.Add(Expr());
        Expect(')', open);
        if (args.Count != arity)
            throw new InputException($"{name} takes {arity} argument{(arity == 1 ? "" : "s")}, got {args.Count}", col);
        return arity == 1 ? Unary[name](args[0]) : Binary[name](args[0], args[1]);
    }

    private double Number()
    {
        int start = _pos;
        while (_pos < _text.Length && (char.IsDigit(_text[_pos]) || _text[_pos] == '.')) _pos++;
        if (_pos < _text.Length && (_text[_pos] == 'e' || _text[_pos] == 'E'))
        {
            int save = _pos++;
            if (_pos < _text.Length && (_text[_pos] == '+' || _text[_pos] == '-')) _pos++;
            if (_pos < _text.Length && char.IsDigit(_text[_pos])) { while (_pos < _text.Length && char.IsDigit(_text[_pos])) _pos++; }
            else _pos = save; // "2e" is 2 followed by the name e
        }
        var s = _text.Substring(start, _pos - start);
        if (!double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var v))
            throw new InputException($"malformed number '{s}'", start + 1);
        if (double.IsInfinity(v)) throw new InputException($"the number '{s}' is beyond the range of a double (±1.8e308)", start + 1);
        return v;
    }

    private string Name()
    {
        int start = _pos;
        while (_pos < _text.Length && (char.IsLetterOrDigit(_text[_pos]) || _text[_pos] == '_')) _pos++;
        return _text.Substring(start, _pos - start);
    }

    private void SkipSpace() { while (_pos < _text.Length && char.IsWhiteSpace(_text[_pos])) _pos++; }

    private bool Accept(char c)
    {
        SkipSpace();
        if (_pos < _text.Length && _text[_pos] == c) { _pos++; return true; }
        return false;
    }

    private void Expect(char c, int openedAt)
    {
        SkipSpace();
        if (Accept(c)) return;
        if (_pos >= _text.Length) throw new InputException($"missing '{c}'", _pos + 1, $"to close the '(' at column {openedAt}");
        throw new InputException($"expected '{c}' but found '{_text[_pos]}'", _pos + 1, $"to close the '(' at column {openedAt}");
    }
}
