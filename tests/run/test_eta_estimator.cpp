// The ETA of the progress event (engine/run/eta_estimator.h), fed made-up clock readings: each
// kind of work keeps its own rate, the remaining evaluations are projected from the measured
// ones, an unseen training kind takes the rate of all steps, and there is no figure until there
// is a basis. No LibTorch and no wall clock.
#include <QtTest>

#include <optional>

#include "engine/run/eta_estimator.h"

using sy::EtaEstimator;
using sy::PlannedStage;
using sy::WorkPlan;

namespace {

// Takes `steps` steps of `seconds` each from `t`; returns the time after the last one.
double take_steps(EtaEstimator& eta, double t, int steps, double seconds) {
  for (int i = 0; i < steps; ++i) {
    t += seconds;
    eta.step(t);
  }
  return t;
}

}  // namespace

class TestEtaEstimator : public QObject {
  Q_OBJECT

 private Q_SLOTS:
  void no_figure_before_a_basis() {
    WorkPlan plan;
    plan.stages = {{"lora", 10, 2}, {"lora", 10, 2}};
    EtaEstimator eta(plan, 0.0);
    QVERIFY(!eta.eta(0.0));
    eta.stage_started(0.5);
    QVERIFY(!eta.eta(0.5));
    eta.step(1.5);
    // Steps have a rate now, but the evaluations left have none.
    QVERIFY(!eta.eta(1.5));
    take_steps(eta, 1.5, 9, 1.0);
    eta.stage_finished(14.5);  // 4 s of evaluation for 2 tasks
    // Stage 2: 10 steps at 1 s and 2 evaluations at 2 s.
    QCOMPARE(*eta.eta(14.5), 14.0);
  }

  void the_base_models_evaluation_is_a_basis_from_the_first_step() {
    WorkPlan plan;
    plan.base_evaluations = 4;
    plan.stages = {{"lora", 5, 4}};
    EtaEstimator eta(plan, 10.0);
    QVERIFY(!eta.eta(10.0));  // evaluating the base model, no rate yet
    eta.stage_started(18.0);  // 8 s for 4 tasks
    eta.step(19.0);
    QCOMPARE(*eta.eta(19.0), 4 * 1.0 + 4 * 2.0);
  }

  // The experiment the old single rate misjudged: an expensive full fine-tune with expensive
  // evaluations first, then cheap LoRA steps, then expert stages that evaluate one task each.
  void each_kind_of_work_keeps_its_own_rate() {
    WorkPlan plan;
    plan.stages = {{"full", 10, 5}, {"full", 10, 5}, {"lora", 20, 5},
                   {"lora", 20, 1}, {"lora", 0, 0},  {"lora", 0, 0}};
    EtaEstimator eta(plan, 0.0);
    double t = 0;
    for (int s = 0; s < 2; ++s) {
      eta.stage_started(t);
      t = take_steps(eta, t, 10, 3.0);  // a full step: 3 s
      t += 10.0;                        // 5 evaluations: 2 s each
      eta.stage_finished(t);
    }
    eta.stage_started(t);
    t = take_steps(eta, t, 1, 1.0);  // a LoRA step: 1 s
    // Left: 19 + 20 LoRA steps (1 s), 5 + 1 evaluations (2 s), two stages with nothing new to
    // train or evaluate (no basis yet for them: nothing).
    QCOMPARE(*eta.eta(t), 39 * 1.0 + 6 * 2.0);
    // The whole experiment's rate would say (81 s / 21 steps) x 39 steps left: 2.9 times as much.
    QCOMPARE(t, 81.0);
    QVERIFY(t / 21.0 * 39.0 > 2.5 * (39 * 1.0 + 6 * 2.0));
    t = take_steps(eta, t, 19, 1.0);
    t += 10.0;
    eta.stage_finished(t);
    eta.stage_started(t);
    t = take_steps(eta, t, 20, 1.0);
    t += 2.0;
    eta.stage_finished(t);
    eta.stage_started(t);
    t += 0.5;  // a switch network's training: the mean of such stages is the basis for the next
    eta.stage_finished(t);
    QCOMPARE(*eta.eta(t), 0.5);
    QCOMPARE(eta.steps_done(), eta.steps_planned());
  }

  void an_unseen_training_kind_takes_the_rate_of_all_steps() {
    WorkPlan plan;
    plan.stages = {{"lora", 4, 1}, {"full", 4, 1}};
    EtaEstimator eta(plan, 0.0);
    eta.stage_started(0.0);
    double t = take_steps(eta, 0.0, 4, 2.0);
    t += 1.0;
    eta.stage_finished(t);
    QCOMPARE(*eta.eta(t), 4 * 2.0 + 1.0);
    // Once it has its own rate, that one counts.
    eta.stage_started(t);
    t = take_steps(eta, t, 1, 5.0);
    QCOMPARE(*eta.eta(t), 3 * 5.0 + 1.0);
  }

  void time_under_way_counts_against_the_current_stage_only() {
    WorkPlan plan;
    plan.stages = {{"lora", 2, 1}, {"lora", 2, 1}, {"lora", 2, 1}};
    EtaEstimator eta(plan, 0.0);
    eta.stage_started(0.0);
    double t = take_steps(eta, 0.0, 2, 1.0);
    t += 3.0;
    eta.stage_finished(t);
    eta.stage_started(t);
    t = take_steps(eta, t, 2, 1.0);
    // Evaluating stage 2: 3 s expected for it, 5 s for stage 3.
    QCOMPARE(*eta.eta(t), 8.0);
    QCOMPARE(*eta.eta(t + 1.0), 7.0);
    // Longer than expected: stage 3 is still ahead.
    QCOMPARE(*eta.eta(t + 10.0), 5.0);
  }

  void steps_a_stage_did_not_plan_are_not_timed() {
    // An expert trained elsewhere (a plan's unit) reports its curve when first used: its steps
    // arrive at once and must not make the steps look free.
    WorkPlan plan;
    plan.stages = {{"lora", 0, 1}, {"lora", 4, 1}, {"lora", 4, 1}};
    EtaEstimator eta(plan, 0.0);
    eta.stage_started(0.0);
    for (int i = 0; i < 50; ++i) eta.step(0.0);
    eta.stage_finished(2.0);
    QCOMPARE(eta.steps_done(), int64_t(0));
    eta.stage_started(2.0);
    const double t = take_steps(eta, 2.0, 1, 4.0);
    QCOMPARE(eta.steps_done(), int64_t(1));
    QCOMPARE(eta.steps_planned(), int64_t(8));
    QCOMPARE(*eta.eta(t), 3 * 4.0 + 2.0 + 4 * 4.0 + 2.0);
  }

  void nothing_left_is_zero() {
    WorkPlan plan;
    plan.stages = {{"lora", 1, 1}};
    EtaEstimator eta(plan, 0.0);
    eta.stage_started(0.0);
    eta.step(1.0);
    eta.stage_finished(2.0);
    QCOMPARE(*eta.eta(2.0), 0.0);
    // A stage the plan did not foresee changes nothing.
    eta.stage_started(3.0);
    eta.step(4.0);
    QCOMPARE(*eta.eta(4.0), 0.0);
    QCOMPARE(*EtaEstimator(WorkPlan{}, 0.0).eta(0.0), 0.0);
  }
};

QTEST_APPLESS_MAIN(TestEtaEstimator)
#include "test_eta_estimator.moc"
