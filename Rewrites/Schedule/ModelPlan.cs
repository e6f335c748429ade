using System;
using System.Collections.Generic;
using System.Linq;
using Nabla.Ir;

namespace Nabla.Rewrites.Schedule;

/// <summary>
/// What a backend compiles into one model: named methods (e.g. <c>Forward</c>, <c>TrainStep</c>), each a
/// <see cref="Schedule"/>, sharing parameters by name. The model's parameter list is the union of the methods'
/// parameters in order of first appearance; a name must have the same shape everywhere.
/// </summary>
public sealed class ModelPlan
{
    /// <summary>Creates a plan; <paramref name="name"/> must be a valid C# identifier (it names the generated class).</summary>
    public ModelPlan(string name, IEnumerable<(string Method, Schedule Schedule)> methods)
    {
        if (string.IsNullOrEmpty(name) || !(char.IsLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsLetterOrDigit(c) || c == '_'))
            throw new ArgumentException($"Model name \"{name}\" is not a valid identifier.");
        Name = name;
        Methods = methods.ToArray();
        if (Methods.Count == 0) throw new ArgumentException($"Model \"{name}\" has no methods.");
        var dup = Methods.GroupBy(m => m.Method).FirstOrDefault(g => g.Count() > 1);
        if (dup is not null) throw new ArgumentException($"Model \"{name}\" has two methods named \"{dup.Key}\".");
        var types = Methods.Select(m => m.Schedule.DType).Distinct().ToArray();
        if (types.Length != 1) throw new ArgumentException($"Model \"{name}\" mixes element types across its methods.");
        DType = types[0];
        var ps = new List<(string, Shape)>();
        foreach (var (method, s) in Methods)
            foreach (var p in s.Params)
            {
                var existing = ps.FindIndex(q => q.Item1 == p.Name);
                if (existing < 0) ps.Add((p.Name!, p.Shape));
                else if (!ps[existing].Item2.Equals(p.Shape))
                    throw new ShapeException($"Model \"{name}\": parameter \"{p.Name}\" is {ps[existing].Item2} in one method but {p.Shape} in {method}.");
            }
        Parameters = ps;
    }

    /// <summary>The model's name.</summary>
    public string Name { get; }
    /// <summary>The element type of every method.</summary>
    public DType DType { get; }
    /// <summary>The methods, in index order.</summary>
    public IReadOnlyList<(string Method, Schedule Schedule)> Methods { get; }
    /// <summary>Parameter names and shapes, in the model's parameter order.</summary>
    public IReadOnlyList<(string Name, Shape Shape)> Parameters { get; }

    /// <summary>The index of a parameter in <see cref="Parameters"/>.</summary>
    public int ParameterIndex(string name) => Parameters.Select(p => p.Name).ToList().IndexOf(name);
}
