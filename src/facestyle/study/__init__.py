"""The report's parameter studies: cells, a resumable runner, and their outputs.

:mod:`~facestyle.study.cells` turns study lists into cells over a base setting,
:mod:`~facestyle.study.runner` runs them into a folder and resumes an interrupted study,
:mod:`~facestyle.study.outputs` writes the tables and the cost plot, and
:mod:`~facestyle.study.sheet` the labelled contact sheet (docs/cli.md#facestyle-study).
"""

from facestyle.study.cells import (
    DEFAULT_LAYERS,
    DEFAULT_RATIOS,
    PRESET_LABELS,
    STUDIES,
    STUDY_TITLES,
    Cell,
    make_cells,
    parse_layer_list,
    parse_ratios,
    parse_strengths,
)
from facestyle.study.outputs import (
    TABLE_COLUMNS,
    describe_base,
    plot_study,
    table_rows,
    write_outputs,
    write_tables,
)
from facestyle.study.runner import (
    RECORD_VERSION,
    CellResult,
    StudyCallback,
    StudyProgress,
    cell_paths,
    fingerprint,
    load_finished,
    prepare_folder,
    run_study,
)
from facestyle.study.sheet import contact_sheet

__all__ = [
    "DEFAULT_LAYERS",
    "DEFAULT_RATIOS",
    "PRESET_LABELS",
    "RECORD_VERSION",
    "STUDIES",
    "STUDY_TITLES",
    "TABLE_COLUMNS",
    "Cell",
    "CellResult",
    "StudyCallback",
    "StudyProgress",
    "cell_paths",
    "contact_sheet",
    "describe_base",
    "fingerprint",
    "load_finished",
    "make_cells",
    "parse_layer_list",
    "parse_ratios",
    "parse_strengths",
    "plot_study",
    "prepare_folder",
    "run_study",
    "table_rows",
    "write_outputs",
    "write_tables",
]
