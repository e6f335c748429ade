using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using Nabla.Reporting;
using Nabla.Search;

namespace Mnist1D;

/// <summary>
/// The lecture's picture of Bayesian optimization, drawn from a finished search: for three of its trials, the GP the
/// strategy fitted when it proposed that trial (exactly: the same history and seed, <see cref="BayesianOptimization.FitSurrogate"/>),
/// sliced along the learning rate (the other hyperparameters at the best configuration of that history) — posterior
/// mean ± 2σ with the observations above, expected improvement below, and the learning rate the trial then took.
/// In a one-dimensional space (<c>--space "lr=1e-4..1e-1:log"</c>) the slice is the whole surrogate.
/// </summary>
public static class GpFigure
{
    private const int Grid = 200;

    /// <summary>Writes the figure to <paramref name="path"/>; false (nothing written) when the space has no real-valued parameter to slice along or no trial used the GP.</summary>
    public static bool Write(string path, SearchSpace space, BayesianOptimization strategy, SearchResult result, int workers, long seed, int trials)
    {
        int axis = IndexOfSliceParameter(space);
        if (axis < 0) return false;
        var p = space.Parameters[axis];
        int first = strategy.InitialTrials + workers - 1; // trial k sees trials 0 … k − W: the first that can see InitialTrials of them
        if (first >= trials) return false;
        var panels = new[] { first, (first + trials - 1) / 2, trials - 1 }.Distinct().ToArray();
        var top = new List<SvgPlot>(); var bottom = new List<SvgPlot>();
        bool log = p.Kind == HyperparameterKind.LogUniform;
        string xLabel = log ? $"log10 {p.Name}" : p.Name;
        double X(double u) { double v = Convert.ToDouble(p.FromUnit(u), CultureInfo.InvariantCulture); return log ? Math.Log10(v) : v; }
        foreach (int k in panels)
        {
            var history = result.Trials.Where(t => t.Index <= k - workers).ToArray();
            var context = new ProposalContext(space, k, trials, seed, maximize: true, history);
            var surrogate = strategy.FitSurrogate(context);
            var taken = result.Trials.FirstOrDefault(t => t.Index == k);
            if (surrogate is null || taken is null) continue;
            var incumbent = context.Ranked()[0];
            var at = space.ToUnit(incumbent.Configuration);
            var xs = new double[Grid]; var mean = new double[Grid]; var lo = new double[Grid]; var hi = new double[Grid]; var ei = new double[Grid];
            for (int i = 0; i < Grid; i++)
            {
                double u = (i + 0.5) / Grid;
                var point = (double[])at.Clone();
                point[axis] = u;
                var (m, v) = surrogate.Process.Predict(point);
                double s = Math.Sqrt(v);
                xs[i] = X(u); mean[i] = m; lo[i] = m - 2 * s; hi[i] = m + 2 * s;
                ei[i] = Acquisition.ExpectedImprovement(m, v, surrogate.Best, strategy.Xi);
            }
            var done = history.Where(t => t.Succeeded).ToArray();
            double next = X(space.ToUnit(taken.Configuration)[axis]);
            var gp = new SvgPlot($"trial {k}: the GP of {done.Length} trials", xLabel, "validation accuracy") { Width = 420, Height = 320 };
            gp.Add("posterior mean", xs, mean, "#1f77b4")
              .Add("mean ± 2σ", xs, hi, "#1f77b4", dashed: true)
              .Add("", xs, lo, "#1f77b4", dashed: true, inLegend: false)
              .AddPoints("trials", done.Select(t => X(space.ToUnit(t.Configuration)[axis])).ToArray(), done.Select(t => t.Value).ToArray(), color: "#000000")
              .AddVerticalLine(next, $"trial {k}");
            double yMin = Math.Max(0, Math.Min(done.Min(t => t.Value), lo.Min()) - 0.02), yMax = Math.Min(1, Math.Max(done.Max(t => t.Value), hi.Max()) + 0.02);
            gp.YRange = (yMin, Math.Max(yMax, yMin + 0.05));
            top.Add(gp);
            var acq = new SvgPlot($"trial {k}: expected improvement", xLabel, "EI") { Width = 420, Height = 200 };
            acq.Add("EI", xs, ei, "#2ca02c").AddVerticalLine(next, $"trial {k}: {p.Name}={Convert.ToDouble(taken.Configuration[p.Name], CultureInfo.InvariantCulture).ToString("G3", CultureInfo.InvariantCulture)}");
            bottom.Add(acq);
        }
        if (top.Count == 0) return false;
        string slice = space.Dimension == 1 ? "" : $", the other {space.Dimension - 1} at the best trial so far; trials projected";
        SvgPlot.SaveGrid(path, $"Bayesian optimization on MNIST-1D: the GP along {p.Name}{slice} (seed {seed})",
            top.Concat(bottom).ToArray(), columns: top.Count);
        return true;
    }

    /// <summary>The index of the learning rate if the space has a real-valued one, else of the first real-valued parameter, else −1.</summary>
    public static int IndexOfSliceParameter(SearchSpace space)
    {
        bool Real(Hyperparameter h) => h.Kind is HyperparameterKind.Uniform or HyperparameterKind.LogUniform;
        for (int i = 0; i < space.Dimension; i++) if (space.Parameters[i].Name == "lr" && Real(space.Parameters[i])) return i;
        for (int i = 0; i < space.Dimension; i++) if (Real(space.Parameters[i])) return i;
        return -1;
    }
}
