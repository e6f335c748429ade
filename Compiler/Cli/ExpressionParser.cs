using System;
using System.Collections.Generic;
using System.Globalization;
using Nabla.Ir;

namespace Nabla.Cli;

/// <summary>Bad input to a command: the message names the problem, and <see cref="Column"/> (1-based) where it is.</summary>
public sealed class InputException : Exception
{
    /// <summary>Creates the exception; <paramref name="column"/> is 1-based, or 0 when no position applies.</summary>
    public InputException(string message, int column = 0, string? hint = null, string? source = null) : base(message)
    {
        Column = column; Hint = hint; Origin = source;
    }

    /// <summary>The 1-based column of the problem in the text it came from (0: no position).</summary>
    public int Column { get; }

    /// <summary>An optional remedy shown after the position, e.g. the list of known functions.</summary>
    public string? Hint { get; }

    /// <summary>What <see cref="Column"/> counts in when it is not the expression, e.g. <c>--at 'x=1'</c>.</summary>
    public string? Origin { get; }

    /// <summary>The one-line form shown to the user: <c>MESSAGE at column N [of SOURCE] (HINT)</c>.</summary>
    public string Line =>
        Message + (Column > 0 ? $" at column {Column}" + (Origin is null ? "" : $" of {Origin}") : "") + (Hint is null ? "" : $" ({Hint})");
}

/// <summary>
/// A parser for scalar formulas that builds IR directly. Grammar, loosest first:
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
/// <para>
/// The parser does not recurse: operators, open parentheses and open calls wait on explicit stacks (operator
/// precedence parsing), so nesting is bounded by memory, not by the thread's stack — <c>sin(sin(…(x)…))</c> nested
/// 100,000 deep parses like any other formula, into the same nodes, created in the same order, as the grammar says.
/// </para>
/// </summary>
public sealed class ExpressionParser
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

    // What waits on the operator stack: a binary operator, a prefix minus, an open parenthesis or an open call.
    private enum Kind { Add, Sub, Mul, Div, Pow, Neg, Paren, Call }

    private readonly struct Pending
    {
        public Pending(Kind kind, int column, int open = 0, string? name = null, int values = 0)
        {
            Kind = kind; Column = column; Open = open; Name = name; Values = values;
        }

        public Kind Kind { get; }
        public int Column { get; }  // 1-based: the operator's, or the function name's for a call
        public int Open { get; }    // 1-based column of a frame's '('
        public string? Name { get; } // a call's function
        public int Values { get; }  // a call's place on the value stack when it opened: its arguments lie above
        public bool IsFrame => Kind is Kind.Paren or Kind.Call;
    }

    private readonly string _text;
    private readonly Graph _graph;
    private readonly List<string> _variables = new();
    private readonly Dictionary<string, int> _firstColumn = new();
    private readonly Stack<Node> _values = new();
    private readonly List<Pending> _ops = new();
    private int _pos;

    private ExpressionParser(string text, Graph graph) { _text = text; _graph = graph; }

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
        var p = new ExpressionParser(text, graph);
        p.SkipSpace();
        if (p._pos >= text.Length) throw new InputException("empty expression", 1);
        var root = p.Run();
        var vars = new List<(string, int)>();
        foreach (var v in p._variables) vars.Add((v, p._firstColumn[v]));
        return (root, vars);
    }

    // Alternates between reading an operand (prefix signs, '(' and calls open frames) and reading what follows one
    // (a binary operator, ',' or ')' closing a frame, or the end).
    private Node Run()
    {
        while (true)
        {
            ReadOperand();
            if (!ReadOperator()) break;
        }
        Reduce(Kind.Add, rightAssociative: false, floor: 0);
        if (FrameIndex() is int open)
            throw new InputException("missing ')'", _pos + 1, $"to close the '(' at column {_ops[open].Open}");
        return _values.Pop();
    }

    // One operand: any prefix signs and opening parentheses or calls, then a number or a variable.
    private void ReadOperand()
    {
        while (true)
        {
            SkipSpace();
            int col = _pos + 1;
            if (_pos >= _text.Length) throw new InputException("unexpected end of expression", col);
            char c = _text[_pos];
            if (c == '-') { _pos++; _ops.Add(new Pending(Kind.Neg, col)); continue; }
            if (c == '+') { _pos++; continue; } // +x is x
            if (c == '(') { _pos++; _ops.Add(new Pending(Kind.Paren, col, open: col)); continue; }
            if (char.IsDigit(c) || c == '.') { _values.Push(_graph.Const(Number(), _graph.DefaultType)); return; }
            if (char.IsLetter(c) || c == '_')
            {
                var name = Name();
                SkipSpace();
                if (_pos < _text.Length && _text[_pos] == '(')
                {
                    if (!Unary.ContainsKey(name) && !Binary.ContainsKey(name))
                        throw new InputException($"unknown function '{name}'", col, $"known: {string.Join(" ", FunctionNames)}");
                    int open = _pos + 1;
                    _pos++;
                    _ops.Add(new Pending(Kind.Call, col, open, name, _values.Count));
                    continue;
                }
                if (Unary.ContainsKey(name) || Binary.ContainsKey(name))
                    throw new InputException($"'{name}' is a function; call it as {name}(...)", col);
                if (!_firstColumn.ContainsKey(name)) { _firstColumn[name] = col; _variables.Add(name); }
                _values.Push(_graph.Input(name, Shape.Scalar, _graph.DefaultType));
                return;
            }
            throw new InputException(c == ')' || c == ',' ? $"expected a value before '{c}'" : $"unexpected '{c}'", col);
        }
    }

    // What follows an operand. False at the end of the text.
    private bool ReadOperator()
    {
        while (true)
        {
            SkipSpace();
            if (_pos >= _text.Length) return false;
            int col = _pos + 1;
            char c = _text[_pos];
            switch (c)
            {
                case '+': _pos++; Push(Kind.Add, col); return true;
                case '-': _pos++; Push(Kind.Sub, col); return true;
                case '*': _pos++; Push(Kind.Mul, col); return true;
                case '/': _pos++; Push(Kind.Div, col); return true;
                case '^': _pos++; Push(Kind.Pow, col); return true;
            }
            int? frame = FrameIndex();
            if (frame is null) throw new InputException($"unexpected '{c}'", col);
            var f = _ops[frame.Value];
            if (c == ',' && f.Kind == Kind.Call)
            {
                _pos++;
                Reduce(Kind.Add, rightAssociative: false, floor: frame.Value + 1);
                return true;
            }
            if (c != ')') throw new InputException($"expected ')' but found '{c}'", col, $"to close the '(' at column {f.Open}");
            _pos++;
            Reduce(Kind.Add, rightAssociative: false, floor: frame.Value + 1);
            _ops.RemoveAt(frame.Value);
            if (f.Kind == Kind.Call) Apply(f);
            // the value of the parenthesis or call is an operand: read what follows it
        }
    }

    // The index in _ops of the innermost open parenthesis or call, or null.
    private int? FrameIndex()
    {
        for (int i = _ops.Count - 1; i >= 0; i--) if (_ops[i].IsFrame) return i;
        return null;
    }

    private static int Precedence(Kind k) => k switch
    {
        Kind.Add or Kind.Sub => 1,
        Kind.Mul or Kind.Div => 2,
        Kind.Neg => 3,
        Kind.Pow => 4,
        _ => 0,
    };

    // A binary operator: first apply the waiting operators that bind at least as tightly (^ is right-associative).
    private void Push(Kind k, int column)
    {
        Reduce(k, rightAssociative: k == Kind.Pow, floor: 0);
        _ops.Add(new Pending(k, column));
    }

    // Applies waiting operators, innermost first, while they bind tighter than `incoming` (or as tightly, when it is
    // left-associative); never below index `floor` nor past an open frame.
    private void Reduce(Kind incoming, bool rightAssociative, int floor)
    {
        int p = Precedence(incoming);
        while (_ops.Count > floor)
        {
            var top = _ops[_ops.Count - 1];
            if (top.IsFrame) return;
            int q = Precedence(top.Kind);
            if (q < p || (q == p && rightAssociative)) return;
            _ops.RemoveAt(_ops.Count - 1);
            if (top.Kind == Kind.Neg) { _values.Push(-_values.Pop()); continue; }
            var right = _values.Pop();
            var left = _values.Pop();
            _values.Push(top.Kind switch
            {
                Kind.Add => left + right,
                Kind.Sub => left - right,
                Kind.Mul => left * right,
                Kind.Div => left / right,
                _ => F.Pow(left, right),
            });
        }
    }

    // Closes a call: its arguments are the values pushed since it opened.
    private void Apply(Pending call)
    {
        var name = call.Name!;
        int count = _values.Count - call.Values;
        int arity = Unary.ContainsKey(name) ? 1 : 2;
        if (count != arity)
            throw new InputException($"{name} takes {arity} argument{(arity == 1 ? "" : "s")}, got {count}", call.Column);
        if (arity == 1) { _values.Push(Unary[name](_values.Pop())); return; }
        var b = _values.Pop();
        var a = _values.Pop();
        _values.Push(Binary[name](a, b));
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
}
