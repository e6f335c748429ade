using System;
using System.Collections.Generic;
using System.Linq;
using Nabla;

namespace Mnist1D;

/// <summary>The MLPs of the example, as PyTorch nn.Sequential would name their parameters.</summary>
public static class Mlps
{
    /// <summary>
    /// 40 → hidden… → 10 with ReLU after every hidden layer. With <paramref name="residual"/>, a hidden layer as wide as
    /// the one before is a skip connection <c>h + relu(W h + b)</c> (<c>Residual</c>), so <c>--hidden 100,100</c> is the
    /// MNIST-1D paper's MLP (15,210 parameters). <paramref name="dropout"/> &gt; 0 adds Dropout after each hidden layer.
    /// </summary>
    public static Sequential Build(int inputs, IReadOnlyList<int> hidden, int outputs, bool residual, double dropout)
    {
        var layers = new List<Module>();
        int prev = inputs;
        foreach (int width in hidden)
        {
            if (residual && width == prev && layers.Count > 0)
                layers.Add(new Residual(new Sequential(new Dense(prev, width), new ReLU())));
            else
            {
                layers.Add(new Dense(prev, width));
                layers.Add(new ReLU());
            }
            if (dropout > 0) layers.Add(new Dropout(dropout));
            prev = width;
        }
        layers.Add(new Dense(prev, outputs));
        return new Sequential(layers.ToArray());
    }

    /// <summary>"40-100-100-10 residual" for progress lines and plot titles.</summary>
    public static string Describe(int inputs, IReadOnlyList<int> hidden, int outputs, bool residual, double dropout)
    {
        string widths = string.Join("-", new[] { inputs }.Concat(hidden).Append(outputs));
        bool skips = residual && hidden.Skip(1).Where((w, i) => w == hidden[i]).Any();
        return "mlp " + widths + (skips ? " residual" : "") + (dropout > 0 ? $" dropout {dropout.ToString(System.Globalization.CultureInfo.InvariantCulture)}" : "");
    }
}
