using System;
using System.Diagnostics;
using Nabla;
using Nabla.Data;
using Nabla.Reporting;

namespace Mnist1D;

/// <summary>
/// The training loop: seeded mini-batches (epoch and position derived from the network's step count, so a run resumed
/// from a checkpoint sees the batches an uninterrupted run would), one compiled training step per batch, a test
/// evaluation after every epoch, progress through an <see cref="IProgressReporter"/>.
/// </summary>
public static class Training
{
    /// <summary>
    /// Trains <paramref name="network"/> on <paramref name="train"/> for <paramref name="steps"/> more steps, monitoring
    /// <paramref name="test"/>; returns the curves.
    /// </summary>
    public static History Run(Network network, Dataset train, Dataset test, int batch, bool shuffle, long steps, double lr, long seed,
                              IProgressReporter progress, string model, long parameters, string optimizer)
    {
        var loader = new BatchLoader(train, batch, shuffle, seed);
        int perEpoch = loader.BatchesPerEpoch;
        long start = network.Step;
        loader.Reset((int)(start / perEpoch), (int)(start % perEpoch));
        var testEval = new Evaluation(test);
        var history = new History();
        progress.Started(new TrainingInfo
        {
            TotalSteps = steps, StepsPerEpoch = perEpoch, TrainExamples = train.Count, BatchSize = loader.BatchSize,
            ValidationExamples = test.Count, Parameters = parameters, Model = model, Optimizer = optimizer,
        });

        var clock = Stopwatch.StartNew();
        double lossSum = 0;
        long seen = 0, correct = 0, stepsInPoint = 0;
        int epochsDone = 0;
        for (long done = 0; done < steps;)
        {
            if (!loader.Next(out var b))
            {
                Point();
                loader.Reset(loader.Epoch + 1);
                continue;
            }
            float loss = network.TrainStep(b.X, b.T, b.Count, lr);
            int ok = Evaluation.Correct(network.Output(), b.Labels, b.Count, train.Classes);
            done++;
            lossSum += loss;
            stepsInPoint++;
            seen += b.Count;
            correct += ok;
            progress.Step(new StepInfo
            {
                Epoch = b.Epoch + 1, Step = done, TotalSteps = steps, StepInEpoch = b.Index + 1, StepsPerEpoch = perEpoch,
                Loss = loss, Accuracy = ok / (double)b.Count, SamplesPerSecond = Rate(done, batch, clock),
            });
            if (done == steps) Point();
        }
        var (finalLoss, finalAcc) = history.TrainLoss.Count > 0 ? (history.TrainLoss[^1], history.TrainAccuracy[^1]) : (double.NaN, 0.0);
        progress.Finished(new FinishedInfo
        {
            Epochs = epochsDone, Steps = steps, Elapsed = clock.Elapsed, TrainLoss = finalLoss, TrainAccuracy = finalAcc,
            ValidationLoss = history.TestLoss.Count > 0 ? history.TestLoss[^1] : null,
            ValidationAccuracy = history.TestAccuracy.Count > 0 ? history.TestAccuracy[^1] : null,
        });
        return history;

        // One point of the curves: the training numbers since the last point, the test numbers now.
        void Point()
        {
            if (stepsInPoint == 0) return;
            var (tl, ta) = testEval.Run(network);
            history.Step.Add(network.Step);
            history.TrainLoss.Add(lossSum / stepsInPoint);
            history.TrainAccuracy.Add(correct / (double)seen);
            history.TestLoss.Add(tl);
            history.TestAccuracy.Add(ta);
            epochsDone++;
            progress.Epoch(new EpochInfo
            {
                Epoch = epochsDone, Epochs = (int)((steps + perEpoch - 1) / perEpoch), Step = network.Step - start,
                TrainLoss = lossSum / stepsInPoint, TrainAccuracy = correct / (double)seen, ValidationLoss = tl, ValidationAccuracy = ta,
                Elapsed = clock.Elapsed, SamplesPerSecond = Rate(network.Step - start, batch, clock),
            });
            lossSum = 0; seen = 0; correct = 0; stepsInPoint = 0;
        }
    }

    private static double Rate(long steps, int batch, Stopwatch clock)
    {
        double s = clock.Elapsed.TotalSeconds;
        return s > 0 ? steps * (double)batch / s : 0;
    }
}
