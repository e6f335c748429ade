using System;
using System.Collections.Generic;
using System.Diagnostics;
using System.Linq;
using Nabla.Data;
using Nabla.Reporting;
using Nabla.Lowering;
using Nabla.Analysis;

namespace Nabla.Training;

/// <summary>
/// The training loop: mini-batches from a <see cref="BatchLoader"/>, one compiled <see cref="Network.TrainStep(float[], float[], int)"/>
/// per batch with the learning rate of the schedule at the network's step, metrics (loss, accuracy), validation after
/// every epoch, early stopping with restore-best, callbacks and progress. Deterministic: the data order depends on
/// <see cref="TrainingOptions.Seed"/> and the epoch, the dropout masks on the network's dropout seed and step, the
/// learning rate on the step — so on one thread a run is bit-identical every time, and a run resumed from a checkpoint
/// continues exactly as if it had not stopped.
/// <para>With <see cref="TrainingOptions.Communicator"/> over several ranks (MPI), training is data-parallel: every rank
/// calls <c>Fit</c> with the same model (compiled with <see cref="TrainingSetup.SplitStep"/>), data and options; each
/// computes the gradient of its share of every batch, one allreduce per step sums the shares, and all apply the same
/// update, so the ranks end with the weights one process would train (to float32 summation order). Only rank 0 reports
/// progress; callbacks run on every rank with the same values (<see cref="TrainingControl.Rank"/> tells which).</para>
/// </summary>
/// <example><code>
/// var net = model.Compile(TrainingSetup.Classification(Optimizer.Adam(0.01)));          // Nabla.Jit
/// var history = net.Fit(train, new TrainingOptions { Steps = 6000, BatchSize = 100, Progress = ConsoleProgress.Create() }, validation: test);
/// Console.WriteLine($"test_accuracy={net.Evaluate(test).Accuracy:F4}");
/// history.LossPlot().Save("loss.svg");
/// </code></example>
public static partial class Trainer
{
    /// <summary>
    /// Trains <paramref name="network"/> on <paramref name="train"/> as <paramref name="options"/> say, evaluating on
    /// <paramref name="validation"/> after every epoch. The run's length is counted from the network's step 0 (see
    /// <see cref="TrainingOptions"/>): a network already at or past it trains no further. Returns the per-epoch history.
    /// </summary>
    /// <exception cref="ArgumentException">A bad option (batch size ≤ 0, learning rate ≤ 0, …) or a dataset that does not fit the network; the message names it.</exception>
    public static TrainingHistory Fit(this Network network, Dataset train, TrainingOptions? options = null, Dataset? validation = null)
    {
        if (network is null) throw new ArgumentNullException(nameof(network));
        if (train is null) throw new ArgumentNullException(nameof(train));
        var o = options ?? new TrainingOptions();
        // Data-parallel: the ranks compare model, data and options before anything can fail on one rank alone.
        var dp = o.Communicator is { Size: > 1 } comm ? new DataParallel(comm, network, train, validation, o) : null;
        o.Validate();
        var feed = new Feed(network, train, "training set");
        var valFeed = validation is null ? null : new Feed(network, validation, "validation set");
        // One learning rate: the network's (the optimizer's, or a schedule set on the network); a schedule in the
        // options must start there and drives this run only (the network's own rate is left as it is, so a rejected or
        // finished Fit changes nothing a later TrainStep or Fit reads).
        LearningRate schedule;
        if (o.LearningRate is { } given)
        {
            network.CheckSchedule(given, "TrainingOptions.LearningRate");
            schedule = given;
        }
        else if (network.LearningRateIsSet || network.Signature.LearningRate > 0) schedule = network.LearningRate;
        else throw new ArgumentException("The network's signature records no learning rate; set TrainingOptions.LearningRate.", nameof(options));
        if (o.EarlyStopping is not null && validation is null)
            throw new ArgumentException("Early stopping watches the validation loss: pass a validation set to Fit.", nameof(options));

        var loader = new BatchLoader(train, o.BatchSize, o.Shuffle, o.Seed, o.DropLast, o.Augmentation);
        var valLoader = validation is null ? null : new BatchLoader(validation, o.EvaluationBatchSize, shuffle: false, seed: 0);
        int spe = loader.BatchesPerEpoch;
        if (spe == 0) throw new ArgumentException($"With DropLast and batch size {o.BatchSize}, the training set of {train.Count} examples gives no batch.", nameof(options));
        long total = o.Steps ?? (long)o.Epochs * spe;
        bool sumReduced = network.Signature.LossReduction == "sum";
        dp?.Start(loader);
        var progress = dp is null || dp.Rank == 0 ? o.Progress : NullProgress.Instance; // one rank prints
        var history = new TrainingHistory();
        var control = new TrainingControl { Rank = dp?.Rank ?? 0 };
        var clock = Stopwatch.StartNew();
        progress.Started(new TrainingInfo
        {
            Epochs = o.Steps is null ? o.Epochs : (int)((total + spe - 1) / spe), TotalSteps = total, StepsPerEpoch = spe,
            TrainExamples = train.Count, ValidationExamples = validation?.Count, BatchSize = loader.BatchSize,
            Parameters = network.Signature.Parameters.Where(p => p.Trainable).Sum(p => p.Shape.Aggregate(1L, (a, d) => a * d)),
            Model = network.Signature.ModelName,
            // The rate this run trains at, when it is not the optimizer's own.
            Optimizer = o.LearningRate is not null || network.LearningRateIsSet ? $"{network.Signature.Optimizer}, learning rate {schedule}" : network.Signature.Optimizer,
            Dropout = network.Signature.Masks.Count > 0,
        });

        int epoch = (int)Math.Min(network.Step / spe, int.MaxValue - 1);
        if (network.Step < total) loader.Reset(epoch, (int)(network.Step % spe));
        double lossSum = 0, lr = 0, epochTime = 0;
        long correct = 0; int seen = 0, stepInEpoch = loader.Position;
        double bestLoss = double.PositiveInfinity; int? bestEpoch = null; int wait = 0;
        Dictionary<string, float[]>? best = null;
        var epochClock = Stopwatch.StartNew();

        try
        {
            while (network.Step < total && control.StopReason is null)
            {
                if (!loader.Next(out var batch)) break; // cannot happen: the epoch ends below when its last batch is done
                lr = schedule.At(network.Step);
                if (!(lr > 0) || double.IsInfinity(lr))
                    throw new InvalidOperationException(
                        $"The learning rate {schedule} is {lr.ToString("G6", System.Globalization.CultureInfo.InvariantCulture)} at step {network.Step}: a training step needs a positive rate " +
                        $"(a schedule that ends at 0 covers its own length only); give a schedule that covers the run's {total} steps.");
                float loss;
                if (dp is null)
                {
                    loss = feed.TrainStep(network, batch, lr);
                    if (feed.Classes > 0) correct += Correct(network, batch.Labels, batch.Count, feed.Classes);
                }
                else
                {
                    (loss, long right) = dp.Step(feed, batch, lr);
                    correct += right;
                }
                lossSum += sumReduced ? loss : (double)loss * batch.Count;
                seen += batch.Count;
                stepInEpoch++;
                var info = new StepInfo
                {
                    Epoch = epoch + 1, Step = network.Step, TotalSteps = total, StepInEpoch = stepInEpoch, StepsPerEpoch = spe,
                    Loss = loss, Accuracy = feed.Classes > 0 ? (double)correct / seen : null,
                    SamplesPerSecond = seen / Math.Max(epochClock.Elapsed.TotalSeconds, 1e-9),
                };
                progress.Step(info);
                for (int c = 0; c < o.Callbacks.Count; c++) o.Callbacks[c].OnStep(network, info, control); // no enumerator allocation per step
                if (dp is not null && o.Callbacks.Count > 0) dp.AgreeOnStop(control);
                if (!float.IsFinite(loss)) control.Stop($"the training loss became {loss} at step {network.Step} (learning rate {lr}); the run diverged");
                bool epochDone = loader.Position >= spe;
                if (!epochDone && network.Step < total && control.StopReason is null) continue;

                // End of an epoch (or of the run mid-epoch): validation, the record, early stopping, callbacks.
                epochTime = epochClock.Elapsed.TotalSeconds;
                Metrics? val = valFeed is null ? null : dp is null ? Run(network, valFeed, valLoader!) : dp.Evaluate(network, valFeed, valLoader!);
                var record = new EpochRecord(epoch + 1, network.Step, lossSum / seen, feed.Classes > 0 ? (double)correct / seen : null,
                    val?.Loss, val?.Accuracy, lr, clock.Elapsed, seen);
                history.Add(record);
                progress.Epoch(new EpochInfo
                {
                    Epoch = record.Epoch, Epochs = o.Steps is null ? o.Epochs : (int)((total + spe - 1) / spe), Step = network.Step,
                    TrainLoss = record.TrainLoss, TrainAccuracy = record.TrainAccuracy, ValidationLoss = record.ValidationLoss,
                    ValidationAccuracy = record.ValidationAccuracy, Elapsed = clock.Elapsed, SamplesPerSecond = seen / Math.Max(epochTime, 1e-9),
                });
                if (o.EarlyStopping is { } es && val is not null)
                {
                    if (val.Loss < bestLoss - es.MinDelta)
                    {
                        bestLoss = val.Loss; bestEpoch = record.Epoch; wait = 0;
                        if (es.RestoreBest) best = network.SnapshotParameters();
                    }
                    else if (++wait >= es.Patience && control.StopReason is null)
                        control.Stop($"early stopping: the validation loss has not improved for {es.Patience} epoch(s) since epoch {bestEpoch?.ToString() ?? "none"}");
                }
                for (int c = 0; c < o.Callbacks.Count; c++) o.Callbacks[c].OnEpoch(network, record, control);
                if (dp is not null && o.Callbacks.Count > 0) dp.AgreeOnStop(control);
                if (epochDone)
                {
                    epoch++;
                    loader.Reset(epoch);
                    lossSum = 0; correct = 0; seen = 0; stepInEpoch = 0;
                    epochClock.Restart();
                }
            }
        }
        catch
        {
            // Training threw: end the display (a live status line is erased, so the exception prints on a clean line).
            if (progress is IDisposable display) display.Dispose();
            throw;
        }
        if (best is not null && bestEpoch != history.Last?.Epoch)
        {
            network.RestoreParameters(best);
            history.RestoredEpoch = bestEpoch;
        }
        history.Steps = network.Step;
        if (dp is not null) history.AllReduceTime = System.Diagnostics.Stopwatch.GetElapsedTime(0, dp.AllReduceTicks);
        history.StoppedEarly = control.StopReason is null ? null
            : history.RestoredEpoch is { } r ? $"{control.StopReason}; the weights of epoch {r} were restored" : control.StopReason;
        var last = history.Last;
        var restored = history.RestoredEpoch is { } re ? history.Epochs.First(e => e.Epoch == re) : last;
        progress.Finished(new FinishedInfo
        {
            Epochs = history.Epochs.Count, Steps = network.Step, Elapsed = clock.Elapsed,
            TrainLoss = restored?.TrainLoss, TrainAccuracy = restored?.TrainAccuracy,
            ValidationLoss = restored?.ValidationLoss, ValidationAccuracy = restored?.ValidationAccuracy,
            StoppedEarly = history.StoppedEarly,
        });
        return history;
    }

    /// <summary>
    /// The loss and accuracy of <paramref name="network"/> on <paramref name="data"/> in evaluation mode (dropout off, no
    /// update), in batches of <paramref name="batchSize"/> (the result does not depend on it beyond float rounding).
    /// </summary>
    public static Metrics Evaluate(this Network network, Dataset data, int batchSize = 1000)
    {
        if (network is null) throw new ArgumentNullException(nameof(network));
        if (data is null) throw new ArgumentNullException(nameof(data));
        if (batchSize <= 0) throw new ArgumentOutOfRangeException(nameof(batchSize), batchSize, "The batch size must be at least 1.");
        return Run(network, new Feed(network, data, "dataset"), new BatchLoader(data, batchSize, shuffle: false, seed: 0));
    }

    private static Metrics Run(Network network, Feed feed, BatchLoader loader)
    {
        loader.Reset(0);
        double sum = 0; long correct = 0; int n = 0;
        while (loader.Next(out var b))
        {
            float loss = feed.Evaluate(network, b);
            sum += network.Signature.LossReduction == "sum" ? loss : (double)loss * b.Count;
            if (feed.Classes > 0) correct += Correct(network, b.Labels, b.Count, feed.Classes);
            n += b.Count;
        }
        return new Metrics(sum / n, feed.Classes > 0 ? (double)correct / n : null, n);
    }

    /// <summary>How many of the first <paramref name="count"/> rows of the last output have their largest score at the label (first maximum wins).</summary>
    private static int Correct(Network network, int[] labels, int count, int classes)
    {
        var y = network.Output();
        int ok = 0;
        for (int r = 0; r < count; r++)
        {
            int best = 0; float max = y[r * classes];
            for (int c = 1; c < classes; c++) if (y[r * classes + c] > max) { max = y[r * classes + c]; best = c; }
            if (best == labels[r]) ok++;
        }
        return ok;
    }

    /// <summary>How a dataset's batches become the network's input and target arrays (checked once, up front).</summary>
    private sealed class Feed
    {
        private readonly bool _indexTargets;

        public Feed(Network network, Dataset data, string what)
        {
            var sig = network.Signature;
            if (sig.Inputs.Count > 1 || sig.Targets.Count == 0)
            {
                _multi = new MultiFeed(network, data, what);
                Classes = _multi.Classes;
                return;
            }
            if (sig.Inputs.Count != 1 || sig.Targets.Count != 1 || sig.Outputs.Count < 1)
                throw new ArgumentException($"Trainer.Fit trains models with one input and one target, or with several inputs and at most one target; \"{sig.ModelName}\" has {sig.Inputs.Count} input(s) and {sig.Targets.Count} target(s). Call Network.TrainStep with arrays instead.");
            var x = sig.Inputs[0];
            if (data.ExampleSize != network.InputWidth())
                throw new ArgumentException($"The {what} has examples of shape [{string.Join(",", data.ExampleShape)}] ({data.ExampleSize} values), but the network's input \"{x.Name}\" is {TrainingSignature.Format(x.Name, x.Shape)} ({network.InputWidth()} values per example).");
            if (data.Targets is not null)
            {
                // Regression: the dataset's real-valued rows are the target as they are.
                CheckTargetSize(network, data, what, sig.Targets[0]);
                return;
            }
            if (data.Labels is null)
                throw new ArgumentException($"The {what} has no labels or targets; the network's target \"{sig.Targets[0].Name}\" needs them.");
            int tw = network.TargetWidth(), ow = network.OutputWidth();
            if (tw == data.Classes) { }
            else if (tw == 1 && sig.Targets[0].Shape.Count == 1) _indexTargets = true; // class-index targets [B]
            else
                throw new ArgumentException($"The {what} has {data.Classes} classes, but the network's target {TrainingSignature.Format(sig.Targets[0].Name, sig.Targets[0].Shape)} takes {tw} values per example.");
            Classes = ow == data.Classes ? data.Classes : 0;
        }

        /// <summary>The number of classes when the output is class scores (accuracy is computed), else 0.</summary>
        public int Classes { get; }

        /// <summary>Checks that a dataset's real-valued targets have as many values per example as the network's target.</summary>
        internal static void CheckTargetSize(Network network, Dataset data, string what, TensorInfo target)
        {
            int tw = network.TargetWidth();
            if (tw != data.TargetSize)
                throw new ArgumentException($"The {what} has {data.TargetSize} target values per example, but the network's target {TrainingSignature.Format(target.Name, target.Shape)} takes {tw}.");
        }

        private readonly MultiFeed? _multi;

        /// <summary>One training step on a batch (the single-input arrays, or the batch split into every input).</summary>
        public float TrainStep(Network network, in Batch b, double lr) =>
            _multi is { } m ? m.TrainStep(network, b, lr) : network.TrainStepAt(b.X, Targets(b), b.Count, lr);

        /// <summary>The first half of a split training step on a shard of a batch (the data-parallel trainer).</summary>
        public float ComputeGradients(Network network, in Batch b, BatchShard shard) =>
            _multi is { } m ? m.ComputeGradients(network, b, shard) : network.ComputeGradients(b.X, Targets(b), b.Count, shard);

        /// <summary>The evaluation-mode loss of a batch.</summary>
        public float Evaluate(Network network, in Batch b) =>
            _multi is { } m ? m.Evaluate(network, b) : network.Evaluate(b.X, Targets(b), b.Count);

        private float[] _buffer = Array.Empty<float>();

        /// <summary>The target array for a batch: its one-hot rows, or its labels as floats for class-index targets.</summary>
        public float[] Targets(in Batch b)
        {
            if (!_indexTargets) return b.T;
            if (_buffer.Length < b.Capacity) _buffer = new float[b.Capacity];
            for (int i = 0; i < b.Count; i++) _buffer[i] = b.Labels[i];
            return _buffer;
        }
    }
}
