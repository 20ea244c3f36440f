"""The training panel's settings: demo, device and hyperparameters, read into a TrainConfig."""

from __future__ import annotations

from PySide6.QtCore import QT_TRANSLATE_NOOP, QCoreApplication, Qt, Signal
from PySide6.QtGui import QStandardItemModel
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLineEdit,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from gradviz.core import i18n
from gradviz.core.devices import list_devices
from gradviz.core.literals import LiteralError, parse_float, parse_int_list
from gradviz.core.training.config import (
    CUSTOM,
    DEMO_TITLES,
    OPTIMIZER_LABELS,
    OPTIMIZERS,
    SOURCES,
    UNTIL_PAUSED,
    ConfigError,
    TrainConfig,
    default_config,
)
from gradviz.core.training.models import ACTIVATIONS
from gradviz.qt.param_fields import mark_invalid
from gradviz.qt.your_model_form import YourModelBox

C = "TrainingForm"  # the translation context of this module's tables
TIPS = {
    "lr": QT_TRANSLATE_NOOP(
        "TrainingForm",
        "Learning rate: how far each optimizer step moves the weights (e.g. 0.03, 1e-4)",
    ),
    "hidden": QT_TRANSLATE_NOOP(
        "TrainingForm", "Hidden layer sizes, comma separated (e.g. 16, 16). Empty: no hidden layer"
    ),
    "weight_decay": QT_TRANSLATE_NOOP("TrainingForm", "L2 penalty on the weights (0 for none)"),
    "noise": QT_TRANSLATE_NOOP("TrainingForm", "Standard deviation of the noise added to the data"),
    "test": QT_TRANSLATE_NOOP(
        "TrainingForm", "Fraction of the samples held out to measure test loss and accuracy"
    ),
    "batch": QT_TRANSLATE_NOOP("TrainingForm", "Samples per mini-batch; one step = one batch"),
    "seed": QT_TRANSLATE_NOOP(
        "TrainingForm",
        "Seeds the data, the initial weights and the batch order: same seed, same run",
    ),
}


def _t(text: str) -> str:
    """A string of this module's tables (marked QT_TRANSLATE_NOOP), in the interface language."""
    return QCoreApplication.translate(C, text)


UNTIL = "until paused"  # the unit box's data (shown translated)
UNITS = {
    "epochs": QT_TRANSLATE_NOOP("TrainingForm", "epochs"),
    "steps": QT_TRANSLATE_NOOP("TrainingForm", "steps"),
    UNTIL: QT_TRANSLATE_NOOP("TrainingForm", "until paused"),
}
TWO_D = ("circles", "xor", "gauss", "spiral", "moons")  # the Playground-style demos
# One step per redrawn frame (the panel redraws at 25 Hz), as TensorFlow Playground shows
# one step per animation frame: the boundary moves smoothly and Pause lands where you see.
WATCHABLE_PACE = 25.0
PACES: list[tuple[str, float | None]] = [
    (QT_TRANSLATE_NOOP("TrainingForm", "as fast as possible"), None),
    (QT_TRANSLATE_NOOP("TrainingForm", "100 steps/s"), 100.0),
    (QT_TRANSLATE_NOOP("TrainingForm", "25 steps/s (one per frame)"), WATCHABLE_PACE),
    (QT_TRANSLATE_NOOP("TrainingForm", "5 steps/s"), 5.0),
    (QT_TRANSLATE_NOOP("TrainingForm", "1 step/s"), 1.0),
]


def default_pace(demo: str) -> float | None:
    """A pace you can watch for the 2-D demos; linreg and twolayer are about the numbers."""
    return WATCHABLE_PACE if demo in TWO_D else None


class SpeedControl(QComboBox):
    """How fast a run goes, in steps per second; it may change while a run goes on."""

    paceChanged = Signal(object)  # float steps/s, or None for as fast as possible

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("speed")
        self.setToolTip(self.tr("Training speed: a pace you can watch, or as fast as possible"))
        for label, pace in PACES:
            self.addItem(_t(label), pace)
        self.currentIndexChanged.connect(lambda _i: self.paceChanged.emit(self.pace()))

    def pace(self) -> float | None:
        return self.currentData()

    def set_pace(self, pace: float | None) -> None:
        i = self.findData(pace)
        self.setCurrentIndex(i if i >= 0 else 0)


class TrainingForm(QWidget):
    """Fields for every setting; ``config()`` parses them (or raises ConfigError)."""

    demoChanged = Signal(str)
    dataChanged = Signal()  # a setting that changes the data (noise, seed, split, ...)
    activationChanged = Signal(str)
    problem = Signal(str)  # a chosen file cannot be used (one line; nothing changed)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._loading = False

        self.demo = QComboBox(objectName="demo")
        for name in SOURCES:
            self.demo.addItem(i18n._(DEMO_TITLES[name]), name)
        self.your_model = YourModelBox()
        self.your_model.problem.connect(self.problem)
        self.device = QComboBox(objectName="device")
        self._fill_devices()

        self.optimizer = QComboBox(objectName="optimizer")
        for name in OPTIMIZERS:
            self.optimizer.addItem(i18n._(OPTIMIZER_LABELS[name]), name)
        self.lr = QLineEdit(objectName="lr", toolTip=_t(TIPS["lr"]))
        self.batch = QSpinBox(objectName="batch", toolTip=_t(TIPS["batch"]))
        self.batch.setRange(1, 1_000_000)
        self.length = QSpinBox(objectName="length")
        self.length.setRange(1, 100_000_000)
        self.length.setGroupSeparatorShown(True)
        self.unit = QComboBox(objectName="unit")
        for unit, label in UNITS.items():
            self.unit.addItem(_t(label), unit)
        self.unit.setToolTip(self.tr("Train for a number of epochs or steps, or until you pause"))
        self.unit.currentIndexChanged.connect(
            lambda _i: self.length.setEnabled(self.unit.currentData() != UNTIL)
        )
        self.weight_decay = QLineEdit(objectName="weight_decay", toolTip=_t(TIPS["weight_decay"]))
        self.seed = QSpinBox(objectName="seed", toolTip=_t(TIPS["seed"]))
        self.seed.setRange(0, 2**31 - 1)

        self.hidden = QLineEdit(objectName="hidden", toolTip=_t(TIPS["hidden"]))
        self.activation = QComboBox(objectName="activation")
        self.activation.addItems(list(ACTIVATIONS))

        self.noise = QDoubleSpinBox(objectName="noise", toolTip=_t(TIPS["noise"]))
        self.noise.setRange(0.0, 1.0)
        self.noise.setDecimals(3)
        self.noise.setSingleStep(0.01)
        self.test_split = QDoubleSpinBox(objectName="test_split", toolTip=_t(TIPS["test"]))
        self.test_split.setRange(0.0, 0.9)
        self.test_split.setSingleStep(0.05)
        self.samples = QSpinBox(objectName="samples")
        self.samples.setRange(10, 1_000_000)
        self.classes = QSpinBox(objectName="classes", toolTip=self.tr("Spiral and Gaussians only"))
        self.classes.setRange(2, 10)

        span = QHBoxLayout()
        span.addWidget(self.length, 1)
        span.addWidget(self.unit)
        groups = {
            QT_TRANSLATE_NOOP("TrainingForm", "Run"): [
                (QT_TRANSLATE_NOOP("TrainingForm", "Demo"), self.demo),
                (QT_TRANSLATE_NOOP("TrainingForm", "Device"), self.device),
            ],
            QT_TRANSLATE_NOOP("TrainingForm", "Optimizer"): [
                (QT_TRANSLATE_NOOP("TrainingForm", "Algorithm"), self.optimizer),
                (QT_TRANSLATE_NOOP("TrainingForm", "Learning rate"), self.lr),
                (QT_TRANSLATE_NOOP("TrainingForm", "Batch size"), self.batch),
                (QT_TRANSLATE_NOOP("TrainingForm", "Train for"), span),
                (QT_TRANSLATE_NOOP("TrainingForm", "Weight decay"), self.weight_decay),
                (QT_TRANSLATE_NOOP("TrainingForm", "Seed"), self.seed),
            ],
            QT_TRANSLATE_NOOP("TrainingForm", "Model"): [
                (QT_TRANSLATE_NOOP("TrainingForm", "Hidden sizes"), self.hidden),
                (QT_TRANSLATE_NOOP("TrainingForm", "Activation"), self.activation),
            ],
            QT_TRANSLATE_NOOP("TrainingForm", "Data"): [
                (QT_TRANSLATE_NOOP("TrainingForm", "Noise"), self.noise),
                (QT_TRANSLATE_NOOP("TrainingForm", "Test split"), self.test_split),
                (QT_TRANSLATE_NOOP("TrainingForm", "Samples"), self.samples),
                (QT_TRANSLATE_NOOP("TrainingForm", "Classes"), self.classes),
            ],
        }
        lay = QVBoxLayout(self)
        lay.setContentsMargins(0, 0, 0, 0)
        self._boxes: dict[str, QGroupBox] = {}
        for title, rows in groups.items():
            box = QGroupBox(_t(title))  # keyed in English: _boxes["Model"]
            form = QFormLayout(box)
            form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
            form.setLabelAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            for label, field in rows:
                form.addRow(_t(label), field)
            lay.addWidget(box)
            self._boxes[title] = box
        lay.insertWidget(1, self.your_model)

        self.set_config(default_config("spiral"))
        self.demo.currentIndexChanged.connect(self._demo_picked)
        self.activation.currentTextChanged.connect(self._activation_picked)
        for w in (self.noise, self.test_split):
            w.valueChanged.connect(self._data_edited)
        for w in (self.seed, self.samples, self.classes):
            w.valueChanged.connect(self._data_edited)

    # -- devices ------------------------------------------------------------------
    def _fill_devices(self) -> None:
        self.device.clear()
        model = self.device.model()
        assert isinstance(model, QStandardItemModel)
        for info in list_devices():
            self.device.addItem(info.label, info.name)
            item = model.item(self.device.count() - 1)
            if not info.available:
                item.setEnabled(False)
                item.setToolTip(self.tr("{0} is not available: {1}").format(info.name, info.reason))
            else:
                item.setToolTip(info.label)

    # -- reading and writing ---------------------------------------------------------
    def set_config(self, c: TrainConfig) -> None:
        """Show ``c`` in the fields (without announcing a data change per field)."""
        self._loading = True
        try:
            self.demo.setCurrentIndex(max(0, self.demo.findData(c.demo)))
            i = self.device.findData(c.device)
            if i >= 0 and self.device.model().item(i).isEnabled():
                self.device.setCurrentIndex(i)
            self.optimizer.setCurrentIndex(max(0, self.optimizer.findData(c.optimizer)))
            self.lr.setText(f"{c.lr:g}")
            self.batch.setValue(c.batch_size)
            if c.until_paused:
                self.unit.setCurrentIndex(self.unit.findData(UNTIL))
            elif c.steps is not None:
                self.unit.setCurrentIndex(self.unit.findData("steps"))
                self.length.setValue(c.steps)
            else:
                self.unit.setCurrentIndex(self.unit.findData("epochs"))
                self.length.setValue(c.epochs or 1)
            self.weight_decay.setText(f"{c.weight_decay:g}")
            self.seed.setValue(c.seed)
            self.hidden.setText(", ".join(str(h) for h in c.hidden))
            self.activation.setCurrentText(c.activation)
            self.noise.setValue(c.noise)
            self.test_split.setValue(c.test_fraction)
            self.samples.setValue(c.samples)
            self.classes.setValue(c.classes)
            self._momentum = c.momentum
            if c.is_custom:
                self.your_model.show_config(c)
            self._enable_for(c.demo)
        finally:
            self._loading = False

    def _enable_for(self, demo: str) -> None:
        linreg, twolayer, custom = demo == "linreg", demo == "twolayer", demo == CUSTOM
        self.your_model.setVisible(custom)
        self._boxes["Model"].setVisible(not custom)  # the file decides the architecture
        self.hidden.setEnabled(not linreg)
        self.activation.setEnabled(not linreg)
        for w in (self.noise, self.samples):
            w.setEnabled(not (twolayer or custom))
            w.setVisible(not custom)
            self._boxes["Data"].layout().labelForField(w).setVisible(not custom)
        self.test_split.setEnabled(not twolayer)
        self.classes.setEnabled(demo in ("spiral", "gauss"))
        self.classes.setVisible(not custom)  # the Your model box has its own
        self._boxes["Data"].layout().labelForField(self.classes).setVisible(not custom)
        # only the 2-D demos run on until paused, as TensorFlow Playground does
        until = self.unit.model().item(self.unit.findData(UNTIL))
        two_d = demo in TWO_D
        until.setEnabled(two_d)
        if not two_d and self.unit.currentData() == UNTIL:
            self.unit.setCurrentIndex(self.unit.findData("epochs"))
        self.hidden.setToolTip(
            self.tr("twolayer: the hidden width H (one size)") if twolayer else _t(TIPS["hidden"])
        )

    def config(self) -> TrainConfig:
        """The settings as a validated config; raises ConfigError naming the bad field."""
        demo = self.demo.currentData()
        try:
            # the setting's name starts the message, in the interface language (mark_error)
            lr = parse_float(self.lr.text(), i18n._("learning rate"))
            wd = parse_float(self.weight_decay.text() or "0", i18n._("weight decay"))
            text = self.hidden.text().strip()
            hidden = parse_int_list(text, i18n._("hidden sizes")) if text else ()
        except LiteralError as exc:
            raise ConfigError(str(exc)) from None
        length = self.length.value()
        unit = self.unit.currentData()
        steps = UNTIL_PAUSED if unit == UNTIL else length if unit == "steps" else None
        base = default_config(demo)
        config = base.replace(
            device=self.device.currentData() or "cpu",
            optimizer=self.optimizer.currentData(),
            lr=lr,
            batch_size=self.batch.value(),
            epochs=None if steps is not None else length,
            steps=steps,
            weight_decay=wd,
            seed=self.seed.value(),
            hidden=tuple(hidden) if demo != "linreg" else base.hidden,
            activation=self.activation.currentText() if demo != "linreg" else base.activation,
            noise=round(self.noise.value(), 6),
            test_fraction=round(self.test_split.value(), 6),
            samples=self.samples.value(),
            classes=self.classes.value() if demo in ("spiral", "gauss") else 2,
            momentum=self._momentum,
        )
        if demo == CUSTOM:
            custom = self.your_model.values()
            config = config.replace(hidden=base.hidden, activation=base.activation, **custom)
        return config.validate()

    def mark_error(self, message: str) -> QWidget | None:
        """Mark the field a config error is about (its message starts with the setting's
        name, e.g. "learning rate: …"); clear the others. Returns the marked field."""
        fields = {
            "learning rate": self.lr,
            "weight decay": self.weight_decay,
            "hidden size": self.hidden,
            "batch size": self.batch,
            "epochs": self.length,
            "steps": self.length,
            "seed": self.seed,
            "noise": self.noise,
            "test split": self.test_split,
            "samples": self.samples,
            "classes": self.classes,
            "twolayer": self.hidden,  # "twolayer has exactly one hidden layer", any language
        }
        text = message.lower()
        for name in ("cannot start: ",):
            text = text.removeprefix(name)
        bad = next(
            (
                w
                for key, w in fields.items()
                if text.startswith(key) or text.startswith(i18n._(key).lower())
            ),
            None,
        )
        for w in set(fields.values()):
            mark_invalid(w, w is bad)
        if bad is not None:
            bad.setFocus()
        return bad

    def set_running(self, running: bool) -> None:
        """While a run goes on, the settings describe it: lock them."""
        for w in self.findChildren(QGroupBox):
            w.setEnabled(not running)

    # -- reactions ----------------------------------------------------------------------
    def _demo_picked(self) -> None:
        if self._loading:
            return
        demo = self.demo.currentData()
        keep_device = self.device.currentData()
        mine = self.your_model.values() if demo == CUSTOM else {}
        self.set_config(default_config(demo, device=keep_device or "cpu", **mine))
        self.demoChanged.emit(demo)
        self.activationChanged.emit(self.activation.currentText())

    def _activation_picked(self, name: str) -> None:
        if not self._loading:
            self.activationChanged.emit(name)

    def _data_edited(self) -> None:
        if not self._loading:
            self.dataChanged.emit()
