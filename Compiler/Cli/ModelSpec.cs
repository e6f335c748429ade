using System;
using System.Globalization;
using System.Linq;

namespace Nabla.Cli;

/// <summary>
/// The model spec the CLI commands accept, <c>mlp:IN,H1,...,OUT</c>: dense layers with ReLU between them and softmax
/// cross-entropy (the network <c>nabla build</c> compiles from the same spec).
/// </summary>
public static class ModelSpec
{
    /// <summary>The prefix of an MLP spec.</summary>
    public const string MlpPrefix = "mlp:";

    /// <summary>Whether <paramref name="text"/> is meant as a model spec (starts with <c>mlp:</c>).</summary>
    public static bool IsSpec(string text) => text.StartsWith(MlpPrefix, StringComparison.Ordinal);

    /// <summary>The layer widths of <c>mlp:IN,H1,...,OUT</c>; bad input is an <see cref="InputException"/> naming the width and its column.</summary>
    public static int[] Widths(string spec)
    {
        if (!IsSpec(spec)) throw new InputException($"unknown model '{spec}': give mlp:IN,H1,...,OUT");
        var parts = spec.Substring(MlpPrefix.Length).Split(',');
        var widths = new int[parts.Length];
        for (int i = 0; i < parts.Length; i++)
            if (!int.TryParse(parts[i], NumberStyles.None, CultureInfo.InvariantCulture, out widths[i]) || widths[i] < 1)
                throw new InputException($"bad width '{parts[i]}' in model '{spec}': widths are whole numbers >= 1", MlpPrefix.Length + 1 + parts.Take(i).Sum(p => p.Length + 1));
        if (widths.Length < 2) throw new InputException($"model '{spec}' needs at least an input and an output width, e.g. mlp:40,10");
        return widths;
    }

    /// <summary><c>--seed N</c>: the initial-weight seed of a spec (default 0); anything but a whole number ≥ 0 is an error naming it.</summary>
    public static System.CommandLine.Option<long> SeedOption() => new("--seed")
    {
        Description = "the initial-weight seed of a spec",
        HelpName = "N",
        DefaultValueFactory = _ => 0,
        CustomParser = r =>
        {
            var text = r.Tokens.Count == 1 ? r.Tokens[0].Value : "";
            if (!long.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var v)) r.AddError($"--seed needs a whole number >= 0, not '{text}'");
            return v;
        },
    };

    /// <summary>The model of a spec: <c>Dense</c> layers with <c>ReLU</c> between them, initial weights from <paramref name="seed"/>.</summary>
    public static Model Build(string spec, long seed = 0)
    {
        var w = Widths(spec);
        var layers = new System.Collections.Generic.List<Module>();
        for (int i = 0; i < w.Length - 1; i++)
        {
            layers.Add(new Dense(w[i], w[i + 1]));
            if (i < w.Length - 2) layers.Add(new ReLU());
        }
        return Model.Build(new Sequential(layers.ToArray()), inputWidth: w[0], seed: seed);
    }
}
