"""The exercise checks read answers strictly and never raise (issue 29): an extra value, a float where a whole number
is asked, text where a number is asked, a student function that calls ``sys.exit`` -- each is "not yet" with a hint.

The checks answer with :class:`helpers.exercises.Feedback`, not with an error; to keep the tables' one form, each call
goes through :func:`not_yet`, which raises :class:`NotYet` (message and hint) for a "not yet" that has a hint. So a
case is clear when the check said "not yet", with a hint holding the words; an answer taken as right returns
(counted silent), and a check that raises, or says "not yet" without a hint, is unclear. ``# was silent``: taken
as right before issue 29; ``# was unclear``: "not yet" without a hint, or for another reason; ``# was: escaped``: the
SystemExit went through the check and would have stopped the notebook.
"""

import sys

import numpy as np
import pytest

from bad_input_support import Case, ids, outcome
from helpers import exercises as ex
from helpers import landmarks as LM
from helpers import localization as LOC
from helpers.detection import GridSpec
from helpers.scenes import SceneObject


class NotYet(Exception):
    """A check's "not yet", with its hint (raised so that the bad-input table's form applies)."""


def not_yet(feedback):
    if not isinstance(feedback, ex.Feedback):
        raise TypeError(f"a check returned {type(feedback).__name__}, not Feedback")
    if feedback.right:
        return feedback                                   # taken as right: the table counts it silent
    if not feedback.hint:
        raise AssertionError(f"'not yet' without a hint: {feedback.message}")
    raise NotYet(f"{feedback.message} Hint: {feedback.hint}")


def leaves(*_, **__):
    sys.exit(0)


def leaves_with_a_message(*_, **__):
    sys.exit("done")


class ExitsWhenRead:
    """An answer whose reading as a number calls sys.exit."""

    def __float__(self):
        sys.exit(1)

    def __len__(self):
        sys.exit(1)

    def __iter__(self):
        sys.exit(1)


def energy(s, m):
    pos = np.maximum(s, 0)
    return float(pos[m].sum() / pos.sum()) if pos.sum() > 0 else 0.0


PAIRS = [(a + 1, b + 1) for a, b in LM.flip_pairs()]              # the right answer, 1-based
SHARES = {"labels": ["street", "car wheels"], "parts": np.array([[0.2, 0.8], [1.0, 0.0]])}
TUNING = np.random.default_rng(0).random((4, 3))
DEAD = np.array([True, False, True])
CAR = SceneObject(2, (0.3, 0.6, 0.2, 0.5), np.zeros((6, 2)))
NMS_BOXES, NMS_SCORES = np.array([[0.5, 0.5, 0.4, 0.4], [0.52, 0.5, 0.4, 0.4]]), np.array([0.2, 0.9])
Y_HAT = [1, 0.5, 0.5, 0.2, 0.3, 0.1, 0.8, 0.1]
MOTO = np.array([1, 0.5, 0.5, 0.2, 0.3, 1, 0, 0], np.float32)
BACKGROUND = np.zeros(8, np.float32)
IOU_PAIRS = [((0.25, 0.5, 0.5, 0.5), (0.75, 0.5, 0.5, 0.5))]
CM = np.eye(4, dtype=int) * 5 + 1
CORNERS_BOX = (0.5, 0.5, 0.2, 0.4)

CASES = [
    # ---- an extra value is not read as the first one
    Case("check_iou an IoU with an extra value", lambda: not_yet(ex.check_iou(lambda a, b: [LOC.iou(a, b), 99])),
         NotYet, ["2 numbers", "one number", "nothing with it"]),                                # was silent: right
    Case("check_iou an IoU and its union", lambda: not_yet(ex.check_iou(lambda a, b: (LOC.iou(a, b), 0.5))),
         NotYet, ["2 numbers", "nothing with it"]),                                              # was silent: right
    Case("check_pck PCK with an extra value", lambda: not_yet(ex.check_pck(lambda p, t, b, alpha: (
        LM.pck(p, t, b, alpha), 99))), NotYet, ["2 numbers", "pck is one number"]),               # was silent: right
    Case("check_energy_in_mask a share with an extra value", lambda: not_yet(ex.check_energy_in_mask(
        lambda s, m: [energy(s, m), 1.0])), NotYet, ["2 numbers", "nothing with it"]),           # was silent: right
    Case("check_rank_correlation a correlation matrix", lambda: not_yet(ex.check_rank_correlation(
        lambda a, b: np.eye(2))), NotYet, ["4 numbers", "[0, 1]"]),
    Case("check_iou_values an extra value", lambda: not_yet(ex.check_iou_values([0.3333, 99], IOU_PAIRS)), NotYet,
         ["shape (2,)", "no more, no fewer"]),                                                   # was unclear
    Case("check_average_precision an AP with an extra value", lambda: not_yet(ex.check_average_precision(
        [0.5, 99], [0.9, 0.8], [1, 0], 1)), NotYet, ["one number", "nothing with it"]),          # was unclear
    Case("check_box_corners five numbers", lambda: not_yet(ex.check_box_corners((19.2, 9.6, 44.8, 22.4, 99),
                                                                                CORNERS_BOX)), NotYet,
         ["shape (5,)", "no more, no fewer"]),
    Case("check_class_accuracy an extra accuracy", lambda: not_yet(ex.check_class_accuracy([0.9, 0.8, 0.7, 0.6, 99],
                                                                                           CM)), NotYet,
         ["shape (5,)", "no more"]),                                                             # was unclear
    Case("check_label background with two entries", lambda: not_yet(ex.check_label([0, 99], BACKGROUND)), NotYet,
         ["8 entries", "got 2", "don't-care"]),                                                  # was silent: right
    Case("check_label background as one number", lambda: not_yet(ex.check_label(0, BACKGROUND)), NotYet,
         ["8 entries", "got 1"]),                                                                # was silent: right
    Case("check_label nine numbers", lambda: not_yet(ex.check_label([1, 0.5, 0.5, 0.2, 0.3, 1, 0, 0, 99], MOTO)),
         NotYet, ["8 numbers", "shape (9,)", "no more"]),
    Case("check_decoded a third item", lambda: not_yet(ex.check_decoded(("car", (0.5, 0.5, 0.2, 0.3), 99), Y_HAT)),
         NotYet, ["two things", "got 3", "nothing more"]),
    Case("check_decoded a box of five", lambda: not_yet(ex.check_decoded(("car", (0.5, 0.5, 0.2, 0.3, 99)), Y_HAT)),
         NotYet, ["the box", "shape (5,)"]),
    Case("check_cam_ingredients seven steps", lambda: not_yet(ex.check_cam_ingredients([False] * 7, [True] * 6)),
         NotYet, ["7 entries", "6 steps", "one true/false per step"]),
    # ---- a float where a whole number is asked is not truncated
    Case("check_flip_pairs a landmark 3.5", lambda: not_yet(ex.check_flip_pairs([(3.5, 6)] + PAIRS[1:])), NotYet,
         ["whole numbers", "3.5", "two whole numbers"]),                                         # was silent: right
    Case("check_flip_pairs True for 1", lambda: not_yet(ex.check_flip_pairs([(True, 2)] + PAIRS[1:])), NotYet,
         ["whole numbers", "true"]),                                                             # was unclear
    Case("check_flip_pairs text numbers", lambda: not_yet(ex.check_flip_pairs([("3", "6")] + PAIRS[1:])), NotYet,
         ["whole numbers", "'3'"]),                                                              # was silent: right
    Case("check_flip_pairs NaN", lambda: not_yet(ex.check_flip_pairs([(np.nan, 6)] + PAIRS[1:])), NotYet,
         ["whole numbers", "nan"]),                                                              # was unclear
    Case("check_part_filter 3.7", lambda: not_yet(ex.check_part_filter(3.7, SHARES, [3, 5], "car wheels")), NotYet,
         ["an int", "3.7", "without a decimal point"]),                                          # was unclear
    Case("check_closest_filter 3.2", lambda: not_yet(ex.check_closest_filter(3.2, SHARES, [3, 5], ["car wheels"])),
         NotYet, ["an int", "without a decimal point"]),
    Case("check_best_channel 1.6", lambda: not_yet(ex.check_best_channel(1.6, TUNING, ["edge", "red", "blue"],
                                                                       "red")), NotYet,
         ["an int", "1.6", "without a decimal point"]),                                          # was unclear
    Case("check_dead_filters 0.4 and 2.2", lambda: not_yet(ex.check_dead_filters([0.4, 2.2], DEAD)), NotYet,
         ["whole numbers", "counted from 0"]),                                                   # was unclear
    Case("check_cell_anchor row 2.3", lambda: not_yet(ex.check_cell_anchor((2.3, 1, 1), CAR, GridSpec())), NotYet,
         ["whole numbers", "2.3", "int(by"]),                                                    # was unclear
    Case("check_nms index 1.2", lambda: not_yet(ex.check_nms([1.2], NMS_BOXES, NMS_SCORES)), NotYet,
         ["whole numbers", "best first"]),                                                       # was unclear
    # ---- text is not a number
    Case("check_iou an IoU as text", lambda: not_yet(ex.check_iou(lambda a, b: f"{LOC.iou(a, b):.6f}")), NotYet,
         ["not a number", "intersection / union"]),                                             # was silent: right
    Case("check_average_precision an AP as text", lambda: not_yet(ex.check_average_precision(
        "0.5", [0.9, 0.8], [1, 0], 1)), NotYet, ["one number", "not text"]),                     # was silent: right
    Case("check_iou_values IoUs as text", lambda: not_yet(ex.check_iou_values(["0.3333"], IOU_PAIRS)), NotYet,
         ["1 numbers", "not text"]),                                                             # was silent: right
    Case("check_pck PCK as text", lambda: not_yet(ex.check_pck(lambda p, t, b, alpha: str(LM.pck(p, t, b, alpha)))),
         NotYet, ["not a number"]),
    Case("check_energy_in_mask a share as text", lambda: not_yet(ex.check_energy_in_mask(
        lambda s, m: str(energy(s, m)))), NotYet, ["not a number"]),                             # was silent: right
    # ---- sys.exit in a student's function, or in reading an answer
    Case("check_iou a function that calls sys.exit", lambda: not_yet(ex.check_iou(leaves)), NotYet,
         ["sys.exit", "return"]),                                                                # was: escaped
    Case("check_pck a function that calls sys.exit", lambda: not_yet(ex.check_pck(leaves_with_a_message)), NotYet,
         ["sys.exit", "'done'", "return"]),                                                      # was: escaped
    Case("check_energy_in_mask sys.exit", lambda: not_yet(ex.check_energy_in_mask(leaves)), NotYet,
         ["sys.exit"]),                                                                          # was: escaped
    Case("check_scale sys.exit", lambda: not_yet(ex.check_scale(leaves)), NotYet, ["sys.exit"]),  # was: escaped
    Case("check_rms_normalize sys.exit", lambda: not_yet(ex.check_rms_normalize(leaves)), NotYet,
         ["sys.exit"]),                                                                          # was: escaped
    Case("check_channel_weights sys.exit", lambda: not_yet(ex.check_channel_weights(leaves)), NotYet,
         ["sys.exit"]),                                                                          # was: escaped
    Case("check_heatmap sys.exit", lambda: not_yet(ex.check_heatmap(leaves)), NotYet, ["sys.exit"]),  # was: escaped
    Case("check_class_accuracy sys.exit", lambda: not_yet(ex.check_class_accuracy(leaves, CM)), NotYet,
         ["sys.exit"]),                                                                          # was: escaped
    Case("check_deletion_curve sys.exit", lambda: not_yet(ex.check_deletion_curve(leaves)), NotYet,
         ["sys.exit"]),                                                                          # was: escaped
    Case("check_rank_correlation sys.exit", lambda: not_yet(ex.check_rank_correlation(leaves)), NotYet,
         ["sys.exit"]),                                                                          # was: escaped
    Case("check_average_precision an answer that exits when read", lambda: not_yet(ex.check_average_precision(
        ExitsWhenRead(), [0.9, 0.8], [1, 0], 1)), NotYet, ["sys.exit", "a plain value"]),        # was: escaped
    Case("check_flip_pairs an answer that exits when read", lambda: not_yet(ex.check_flip_pairs(ExitsWhenRead())),
         NotYet, ["sys.exit", "a plain value"]),                                                 # was: escaped
    Case("check_dead_filters an answer that exits when read", lambda: not_yet(ex.check_dead_filters(
        ExitsWhenRead(), DEAD)), NotYet, ["sys.exit"]),                                          # was: escaped
]


@pytest.mark.parametrize("case", CASES, ids=ids(CASES))
def test_a_strictly_read_answer_is_not_yet_with_a_hint(case):
    assert outcome(case) is None


def test_the_right_answers_stay_right():
    """The strict reading refuses only what is not the answer: the right answers of the same exercises pass."""
    assert ex.check_iou(lambda a, b: LOC.iou(a, b))
    assert ex.check_iou(lambda a, b: np.array([LOC.iou(a, b)]))                 # one number, in an array
    assert ex.check_pck(lambda p, t, b, alpha: LM.pck(p, t, b, alpha))
    assert ex.check_energy_in_mask(energy)
    assert ex.check_flip_pairs(PAIRS)
    assert ex.check_flip_pairs(np.array(PAIRS))
    assert ex.check_label([0, "?", "?", "?", "?", "?", "?", "?"], BACKGROUND)
    assert ex.check_label([0, ...], BACKGROUND)                                 # "the rest is don't care"
    assert ex.check_decoded(("car", (0.5, 0.5, 0.2, 0.3)), Y_HAT)
    assert ex.check_dead_filters([0, 2.0], DEAD)                                # whole numbers, even as floats


def test_every_check_of_the_issue_is_in_the_table():
    names = {c.id.split()[0] for c in CASES}
    assert {"check_iou", "check_pck", "check_energy_in_mask", "check_flip_pairs", "check_label"} <= names
    assert len(set(ids(CASES))) == len(CASES)
