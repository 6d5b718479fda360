"""What a model is good for, declared once beside its provider and read everywhere else.

Each provider class answers `profile_for(model)` without being instantiated (no SDK import,
no key, no model file), and `pipeline.llm.registry.profile_for` resolves a model string to it.
Strategy choices (extraction, ask, summarize), worker counts and the client's output mode are
read from here, so no code outside the registry tests a provider's name.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

EXTRACTION_STRATEGIES = ("single", "small")
ANSWER_STRATEGIES = ("free", "extractive")
SMALL_MODES = ("rules", "hybrid", "confirm", "model", "learned")  # learned: pipeline.extraction.claim_model
PROMPT_MODE = "prompt"  # the schema is written into the prompt by the client; the vendor sees text


@dataclass(frozen=True)
class ModelProfile:
    """A model's declared capabilities and the pipeline paths that suit it.

    Empty `extraction`, `small_mode` and `answer` follow `small`: a small model gets the
    decomposed extraction with cue rules and extractive answers, any other model one-call
    extraction (`hybrid` labels if asked for `--strategy small`) and free answers.
    """

    name: str
    structured_modes: tuple[str, ...] = (PROMPT_MODE,)  # strongest first; the client uses [0]
    context_window: int = 8192
    concurrency: int = 4  # calls in flight to this vendor unless `--concurrency` says otherwise
    serial: bool = False  # one in-process context: one worker whatever `--concurrency` says
    small: bool = False  # too small for one-call JSON analyses
    extraction: str = ""  # default extraction strategy: single | small
    small_mode: str = ""  # how the small strategy decides labels: rules | hybrid | confirm | model | learned
    answer: str = ""  # ask and summarize: free | extractive

    def __post_init__(self) -> None:
        fill = {"extraction": "small" if self.small else "single",
                "small_mode": "rules" if self.small else "hybrid",
                "answer": "extractive" if self.small else "free"}
        for key, default in fill.items():
            if not getattr(self, key):
                object.__setattr__(self, key, default)
        for key, allowed in (("extraction", EXTRACTION_STRATEGIES), ("small_mode", SMALL_MODES),
                             ("answer", ANSWER_STRATEGIES)):
            if getattr(self, key) not in allowed:
                raise ValueError(f"profile {self.name!r}: unknown {key} {getattr(self, key)!r}; "
                                 f"choose one of: {', '.join(allowed)}")
        if not self.structured_modes:
            object.__setattr__(self, "structured_modes", (PROMPT_MODE,))

    @property
    def output_mode(self) -> str:
        """The structured-output mode the client asks for first."""
        return self.structured_modes[0]

    def with_modes(self, modes: tuple[str, ...]) -> ModelProfile:
        """The same profile with an instance's own mode order (e.g. `PIPELINE_LOCAL_MODE`)."""
        return self if tuple(modes) == self.structured_modes else replace(self, structured_modes=tuple(modes))
