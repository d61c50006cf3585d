import numpy as np
import pandas as pd

from govflow.tasks.scoring import LoadedModel, predict, split_output


def test_two_column_probabilities():
    pred, score = split_output(np.array([[0.9, 0.1], [0.2, 0.8]]))
    assert pred.tolist() == [0, 1] and score.tolist() == [0.1, 0.8]


def test_single_probability_column():
    pred, score = split_output(pd.DataFrame({"p": [0.2, 0.7]}))
    assert pred.tolist() == [0, 1] and score.tolist() == [0.2, 0.7]


def test_more_than_two_classes_is_refused():
    import pytest

    with pytest.raises(ValueError, match="3 columns per row"):
        split_output(np.full((4, 3), 1 / 3))


def test_classes_only():
    pred, score = split_output(np.array([1, 0, 1]))
    assert pred.tolist() == [1, 0, 1] and score is None


class _Broken:
    def predict(self, frame):
        raise ValueError("column 'x' has the wrong type")


def test_prediction_failure_is_reported_not_raised():
    scored = predict.fn(LoadedModel(model=_Broken(), input_columns=("x",)), pd.DataFrame({"x": [1]}))
    assert scored.pred is None
    assert scored.error == "prediction failed: ValueError: column 'x' has the wrong type"


def test_model_without_signature_never_sees_the_label():
    seen = {}

    class Spy:
        def predict(self, frame):
            seen["columns"] = list(frame.columns)
            return np.zeros(len(frame), dtype=int)

    frame = pd.DataFrame({"x": [1.0], "y": [0], "sex": ["f"]})
    predict.fn(LoadedModel(model=Spy()), frame, exclude=("y", "sex"))
    assert seen["columns"] == ["x"]
