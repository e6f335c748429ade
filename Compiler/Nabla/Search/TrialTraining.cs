using System;
using System.Globalization;
using Nabla.Data;
using Nabla.Training;

namespace Nabla.Search;

/// <summary>What a <see cref="ValidationReporter"/> measures on the validation split.</summary>
public enum ValidationMetric
{
    /// <summary>The classification accuracy (larger is better).</summary>
    Accuracy,
    /// <summary>The mean loss (smaller is better).</summary>
    Loss,
}

/// <summary>
/// Connects a training run (<see cref="Trainer.Fit"/>) to a search trial: every <see cref="EverySteps"/> steps, and
/// after the last planned step, it evaluates the network on the validation split, reports the value to the trial
/// (<see cref="TrialContext.Report"/>) and stops the run when the search's pruning rule says the trial is hopeless.
/// It also ends the run (with <see cref="OperationCanceledException"/>) when the search is cancelled. The objective
/// returns <see cref="Last"/> (or its own final measurement).
/// <example><code>
/// double Objective(Configuration c, TrialContext ctx)
/// {
///     var net = Build(c).Compile(...);
///     var reporter = new ValidationReporter(ctx, validation, everySteps: 250);
///     var options = new TrainingOptions { Steps = 1500, Seed = ctx.Seed };
///     options.Callbacks.Add(reporter);
///     net.Fit(train, options);
///     return reporter.Last;
/// }
/// </code></example>
/// </summary>
public sealed class ValidationReporter : ITrainingCallback
{
    private readonly TrialContext _trial;
    private readonly Dataset _validation;

    /// <summary>Reports <paramref name="metric"/> on <paramref name="validation"/> to <paramref name="trial"/> every <paramref name="everySteps"/> steps.</summary>
    /// <exception cref="ArgumentOutOfRangeException"><paramref name="everySteps"/> &lt; 1.</exception>
    public ValidationReporter(TrialContext trial, Dataset validation, long everySteps, ValidationMetric metric = ValidationMetric.Accuracy)
    {
        _trial = trial ?? throw new ArgumentNullException(nameof(trial));
        _validation = validation ?? throw new ArgumentNullException(nameof(validation));
        if (everySteps < 1) throw new ArgumentOutOfRangeException(nameof(everySteps), everySteps, "Report at least every step count ≥ 1.");
        EverySteps = everySteps; Metric = metric;
    }

    /// <summary>The reporting interval in steps.</summary>
    public long EverySteps { get; }

    /// <summary>The measured metric.</summary>
    public ValidationMetric Metric { get; }

    /// <summary>The latest measured value (NaN before the first).</summary>
    public double Last { get; private set; } = double.NaN;

    /// <summary>The step of the latest measurement (0 before the first).</summary>
    public long LastStep { get; private set; }

    /// <summary>Measures and reports at the reporting steps; stops the run when the trial is pruned.</summary>
    public void OnStep(Network network, in Reporting.StepInfo step, TrainingControl control)
    {
        _trial.Cancellation.ThrowIfCancellationRequested();
        if (step.Step % EverySteps != 0 && step.Step != step.TotalSteps) return;
        var m = network.Evaluate(_validation);
        double value = Metric == ValidationMetric.Loss ? m.Loss
            : m.Accuracy ?? throw new InvalidOperationException("ValidationReporter: the network's loss has no accuracy (not a classification loss); use ValidationMetric.Loss.");
        Last = value; LastStep = step.Step;
        if (_trial.Report(step.Step, value, final: step.Step == step.TotalSteps))
            control.Stop(_trial.StopReason ?? "pruned at step " + step.Step.ToString(CultureInfo.InvariantCulture));
    }
}
