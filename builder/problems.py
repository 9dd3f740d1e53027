"""The single ``Problem`` type for every finding about data or configuration, the
catalogue of codes, and the text and JSON renderings of a list of problems.

Every code has a catalogue entry (title, description, default hint and default
severity). Text meant for a terminal goes through ``printable`` so a value from the
data can never send control sequences to the maintainer's terminal.
"""
from __future__ import annotations

import json
import unicodedata
from dataclasses import asdict, dataclass


@dataclass(frozen=True)
class Problem:
    code: str  # stable, kebab-case, a key of CATALOGUE
    message: str  # one sentence in Chinese, naming the offending value
    file: str | None = None  # path as the maintainer would type it
    row: int | None = None  # physical line, header = 1 (as frictionless counts)
    field: str | None = None
    hint: str | None = None  # how to fix it, imperative; defaults to the catalogue's hint
    severity: str = "error"  # or "warning"

    @property
    def is_error(self) -> bool:
        return self.severity == "error"


@dataclass(frozen=True)
class CodeInfo:
    title: str  # Chinese title
    description: str  # what the code means, Chinese
    hint: str  # default fix, Chinese, imperative
    severity: str = "error"  # default severity: "error" stops a build, "warning" does not


def _warning(title: str, description: str, hint: str) -> CodeInfo:
    return CodeInfo(title, description, hint, "warning")


# Every code a Problem may carry. Tests check each has a fixture that triggers it.
# Codes are stable: maintainers and scripts search for them, so never rename one.
CATALOGUE: dict[str, CodeInfo] = {
    # --- the site configuration ---
    "config-syntax": CodeInfo(
        "配置文件格式错误", "网站配置文件不是合法的 TOML，无法解析。",
        "在报告的行列附近检查引号、等号和方括号；字符串要用英文双引号括起来"),
    "config-unknown-key": CodeInfo(
        "未知的配置项", "配置文件中有一个本工具不认识的键，常见原因是拼写错误。",
        "对照 README 的“网站配置”一节改正键名，或删除该键"),
    "config-type": CodeInfo(
        "配置项类型错误", "配置项的值类型不对，例如应为文字却写成了数字，或应为列表却写成了文字。",
        "按 README 的“网站配置”一节填写该键的值"),
    "config-required": CodeInfo(
        "缺少必填配置项", "配置文件缺少一个必填的键。",
        "按 README 的“网站配置”一节补上该键"),
    "config-value": CodeInfo(
        "配置项取值不对", "配置项的类型对，但取值不在允许范围内（如不支持的语言、不合法的网址或路径）。",
        "按提示改成允许的取值"),
    "config-home-unknown-plan": CodeInfo(
        "首页指向的规划不存在", "site.home 既不是 portal，也不是数据目录中任何规划的 plan_id。",
        "把 site.home 改成某个数据包 plans.csv 中的 plan_id，或改为 portal（首页列出全部规划）"),
    "config-redirect-invalid": CodeInfo(
        "重定向不正确", "redirects 中的旧地址或新地址不合法，或新地址指向的页面、文件在网站中不存在。",
        "旧地址写读者用过的相对网址（如 areas/1/），新地址写网站中确实存在的页面（.md）或下载文件路径"),
    "releases-invalid": CodeInfo(
        "数据发布记录无法读取", "数据目录中的数据发布记录 releases.json 存在，但不是本工具写的发布记录，或已损坏。",
        "从版本库中恢复该文件（如 git checkout -- datapackages/releases.json）；如果确实要重新开始记录，删除该文件后再构建"),
    # --- the data directory and its packages ---
    "data-dir-missing": CodeInfo(
        "数据目录不存在", "给出的数据目录不存在或不是目录。",
        "用 --data（或配置文件的 site.data）指定包含各数据包子目录的目录"),
    "package-missing": CodeInfo(
        "没有规划数据包", "数据目录中没有任何规划数据包（含 plans 表的数据包）。",
        "至少放入一个规划数据包；可运行 carbon-site init 生成一个空的数据包作为起点"),
    "unknown-package": _warning(
        "不是数据包的子目录", "数据目录中有一个子目录既没有 datapackage.json，也没有数据文件，它会被忽略。",
        "如果这是数据包，请放入它的 datapackage.json；否则把它移出数据目录"),
    "descriptor-missing": CodeInfo(
        "缺少 datapackage.json", "数据包子目录中有数据文件，但没有 datapackage.json 描述文件。",
        "恢复该数据包的 datapackage.json（可从版本库中找回）"),
    "json-invalid": CodeInfo(
        "JSON 格式错误", "datapackage.json 不是合法的 JSON，无法解析。",
        "在报告的行列位置附近检查逗号、引号和括号是否成对；可用 JSON 检查工具定位"),
    "descriptor-invalid": CodeInfo(
        "描述文件结构错误", "datapackage.json 能解析，但结构不符合数据包规范或本项目的数据约定。",
        "按报告的属性修改 datapackage.json，使其与版本库中的原始描述一致"),
    "resource-missing": CodeInfo(
        "缺少资源", "datapackage.json 的 resources 中缺少一个必需的资源（表）。",
        "在 resources 中恢复该资源的描述（name、path、schema）"),
    "duplicate-package-name": CodeInfo(
        "数据包名称重复", "两个数据包的 datapackage.json 使用了同一个 name，下载文件会互相覆盖。",
        "给其中一个数据包的 datapackage.json 换一个 name"),
    "duplicate-plan-id": CodeInfo(
        "规划标识重复", "两个数据包的 plans.csv 使用了同一个 plan_id，网站无法区分它们。",
        "给其中一个规划换一个 plan_id，并同步修改引用它的 parent_plan_id 和 observations.csv 的 plan_id"),
    "duplicate-values-package": CodeInfo(
        "公开数值数据包不止一个", "数据目录中只能有一个公开数值数据包（含 observations 和 sources 表）。",
        "把各地的公开数值合并到同一个数据包，用 plan_id 列区分规划"),
    # --- resource paths (checked before anything is read) ---
    "path-absolute": CodeInfo(
        "资源路径是绝对路径", "资源路径必须是数据包目录内的相对路径，不能是绝对路径。",
        "把 path 改成相对于数据包目录的路径，例如 data/targets.csv"),
    "path-parent": CodeInfo(
        "资源路径指向数据包之外", "资源路径中含有“..”，会读取数据包目录以外的文件。",
        "把文件放进数据包目录（如 data/ 下），并把 path 改成不含“..”的相对路径"),
    "path-remote": CodeInfo(
        "资源路径是网址", "资源路径是网址或其他远程地址；为安全和可重复，构建只读取本地文件，不会下载。",
        "把文件下载到数据包的 data/ 目录中，再把 path 改成相对路径，例如 data/targets.csv"),
    "path-symlink-escape": CodeInfo(
        "符号链接指向数据包之外", "资源路径经过符号链接后指向数据包目录以外的位置。",
        "删除符号链接，把真实文件复制到数据包目录中"),
    "path-not-file": CodeInfo(
        "资源路径不是普通文件", "资源路径指向的是目录或其他特殊文件，而不是普通文件。",
        "把 path 改成指向一个 CSV 或文本文件"),
    "path-control-character": CodeInfo(
        "路径中有控制字符", "文件路径或文件名中含有换行、制表符等控制字符，下载清单和校验值文件会因此出错。",
        "把文件改名为只含字母、数字、连字符、下划线和点的名称，并同步修改 path"),
    "file-missing": CodeInfo(
        "文件不存在", "描述文件中列出的文件在磁盘上找不到。",
        "检查文件名的拼写和大小写，或恢复该文件"),
    "file-too-large": CodeInfo(
        "文件过大", "文件超过大小上限（CSV 和文本每个 50 MB，datapackage.json 5 MB），为避免耗尽内存，没有读取。",
        "检查是否误存了错误的文件；本项目的表格应远小于该上限"),
    # --- encoding, characters and CSV syntax ---
    "encoding-gbk": CodeInfo(
        "文件是 GBK 编码", "文件不是 UTF-8 编码，看起来是 Excel 以 GBK（ANSI）编码保存的。",
        "在 Excel 中用“另存为”，文件类型选“CSV UTF-8（逗号分隔）(*.csv)”后保存；WPS 选择“UTF-8”编码；文本文件在记事本中另存为 UTF-8"),
    "encoding-invalid": CodeInfo(
        "文件编码无法识别", "文件既不是 UTF-8，也不是 GBK，无法读取其中的文字。",
        "用 Excel 另存为“CSV UTF-8（逗号分隔）(*.csv)”，或在文本编辑器中以 UTF-8 编码保存"),
    "encoding-mojibake": CodeInfo(
        "乱码", "文字是乱码：UTF-8 编码的中文被当作 GBK（或西文编码）打开后又保存了，或含有表示丢失文字的替换字符 �。",
        "不要在乱码上修改：从版本库恢复该文件的上一版，再用 Excel 或 WPS 打开并另存为“CSV UTF-8（逗号分隔）”"),
    "control-character": CodeInfo(
        "单元格中有控制字符", "文字中含有不可见的控制字符（如空字符、退格、ESC 或 C1 控制符），它们会破坏网页、下载文件或终端显示。",
        "删除该控制字符：在 Excel 中可用 =CLEAN() 清理后粘贴为数值，或在文本编辑器中显示不可见字符后删除"),
    "csv-malformed": CodeInfo(
        "CSV 格式错误", "CSV 文件无法按行列解析，例如引号没有成对闭合或文件为空。",
        "在报告的行附近检查双引号：含逗号或换行的单元格要用一对双引号括起来，单元格内的双引号要写成两个"),
    "cell-too-large": CodeInfo(
        "单元格过长", "一个单元格的文字超过上限（131,072 个字符），通常是某个双引号没有闭合，后面几千行都被读进了同一个单元格。",
        "检查报告的行附近的双引号是否成对；如确实需要这么长的文字，请把它放进单独的文本文件"),
    # --- header ---
    "missing-column": CodeInfo(
        "缺少列", "CSV 的表头中缺少描述文件 schema 规定的一列。",
        "在表头中加回该列（列名要与 datapackage.json 中的字段名完全一致），没有值的单元格可以留空"),
    "extra-column": CodeInfo(
        "多余的列", "CSV 的表头中有一列不在描述文件 schema 中，或有一列没有列名。",
        "删除该列；如果确实需要新列，先在 datapackage.json 的 schema 中增加字段"),
    "renamed-column": CodeInfo(
        "列名被改动", "CSV 表头中某列的名称与 schema 规定的字段名不一致，看起来是被改名了。",
        "把列名改回 schema 中的字段名（区分大小写，不要有空格）"),
    "duplicate-column": CodeInfo(
        "重复的列", "CSV 的表头中同一个列名出现了不止一次。",
        "删除重复的列，只保留一列"),
    "column-order": CodeInfo(
        "列的顺序不对", "CSV 的列名都对，但顺序与 schema 中的字段顺序不一致；数据包规范按位置读取列。",
        "按 datapackage.json 中字段的顺序重新排列各列"),
    # --- rows and cells (frictionless) ---
    "cell-type": CodeInfo(
        "单元格类型错误", "单元格的值不符合字段的类型（数字、整数、日期、true/false）。",
        "按字段类型填写：数字用阿拉伯数字且不带单位，日期写成 YYYY-MM-DD，是否写 true 或 false"),
    "cell-constraint": CodeInfo(
        "单元格不符合约束", "单元格的值违反了字段的约束（必填、允许的取值、格式、最小值或最大值等）。",
        "按消息写明的要求改正：必填的要填写，取值要从列出的几个中选，数值要在允许范围内，标识只用小写字母、数字和连字符"),
    "duplicate-key": CodeInfo(
        "主键重复", "两行的主键（标识列）相同，每行的主键必须唯一。",
        "修改其中一行的标识，或删除重复的行"),
    "broken-reference": CodeInfo(
        "引用不存在", "单元格引用了同一数据包另一张表中不存在的标识（外键）。",
        "检查标识的拼写，或先在被引用的表中添加该行"),
    "blank-row": CodeInfo(
        "空行", "CSV 中有一整行是空的。",
        "删除该空行"),
    "extra-cell": CodeInfo(
        "单元格多于列数", "该行的单元格数多于表头的列数，常见原因是文字中含有逗号却没有用双引号括起来。",
        "把含逗号的单元格用双引号括起来，或删除多余的单元格"),
    "missing-cell": CodeInfo(
        "单元格少于列数", "该行的单元格数少于表头的列数。",
        "补齐该行缺少的单元格；没有值的单元格也要保留逗号分隔"),
    "table-invalid": CodeInfo(
        "表格校验错误", "frictionless 报告了一个本项目没有专门归类的表格错误。",
        "按消息修改该文件；如果看不懂，请把这条消息报告给维护者"),
    "plan-count": CodeInfo(
        "规划行数不对", "规划数据包的 plans 表必须正好有一行，描述该数据包依据的规划文件。",
        "在 plans.csv 中保留且只保留一行"),
    # --- plans and their hierarchy ---
    "unknown-plan": CodeInfo(
        "规划不存在", "引用的 plan_id 在数据目录的任何规划数据包中都找不到。",
        "检查 plan_id 的拼写（见各规划数据包的 plans.csv），或先放入该规划的数据包"),
    "parent-cycle": CodeInfo(
        "上级规划形成循环", "parent_plan_id 沿上级一直追溯，又回到了本规划（例如两个规划互为上级）。",
        "最上级规划的 parent_plan_id 留空；每个规划只填它直接对应的上级规划"),
    "jurisdiction-level-mismatch": _warning(
        "行政区划代码与级别不符", "六位行政区划代码的形式与 jurisdiction_level 不一致：省级代码以 0000 结尾，地级以 00 结尾。",
        "核对 jurisdiction_code（国家统计局行政区划代码）和 jurisdiction_level"),
    "comparable-without-parent": CodeInfo(
        "可比指标没有上级规划", "comparable_indicator_id 指向上级规划中的指标，但本规划没有填写 parent_plan_id。",
        "在 plans.csv 中填写 parent_plan_id，或清空 comparable_indicator_id"),
    # --- rules across resources and packages (checks.py) ---
    "unknown-indicator": CodeInfo(
        "指标不存在", "引用的指标标识在相应规划的 indicators 中找不到。",
        "检查 indicator_id 的拼写（标识在一个规划内唯一），或先在该规划数据包的 indicators.csv 中添加该指标"),
    "unknown-source": CodeInfo(
        "来源不存在", "引用的来源标识在公开数值数据包的 sources 中找不到。",
        "检查 source_id 的拼写，或先在 sources.csv 中添加该来源"),
    "area-mismatch": CodeInfo(
        "指标的领域与任务不一致", "指标填写的 area_id 与其 task_id 所属任务的领域不同。",
        "把 area_id 改成该任务所属的领域，或改正 task_id"),
    "target-year-before-baseline": CodeInfo(
        "目标年份不晚于基准年", "目标年份必须晚于基准年，否则无法计算进展。",
        "核对原文，改正 target_year 或 baseline_year"),
    "baseline-year-missing": CodeInfo(
        "缺少基准年", "下降（reduction）和新增（addition）类目标必须有基准年，否则无法计算进展。",
        "按原文填写 baseline_year，例如“比2020年下降”填 2020，“十四五新增”填 2020"),
    "target-value-missing": CodeInfo(
        "缺少目标值或比较方式", "除 deferred 和 qualitative 外，每个目标都必须有目标值和比较方式。",
        "按原文填写 target_value 和 comparator；如果原文没有数字，把 kind 改为 qualitative 或 deferred"),
    "target-value-unexpected": CodeInfo(
        "不应有目标值", "deferred（完成上级下达目标）和 qualitative（定性）目标没有数值，不应填写目标值、比较方式或容差。",
        "清空 target_value、comparator 和 tolerance，或改正 kind"),
    "tolerance-invalid": CodeInfo(
        "容差用法不对", "只有比较方式为 ≈（左右）的目标才能填写容差，且容差应小于目标值。",
        "清空 tolerance，或把 comparator 改为 ≈，并确认容差小于目标值"),
    "implausible-year": CodeInfo(
        "年份不合理", "公开数值的年份必须在 1949 年到最近查阅年份的次年之间；更晚的年份还不可能有公开数值。",
        "核对来源中数值所属的年份"),
    "observation-after-source": CodeInfo(
        "数值年份晚于来源发布", "公开数值所属年份晚于来源的发布日期，来源不可能已经公布这一年的数值。",
        "核对数值所属年份和来源的发布日期（sources.csv 的 date）"),
    "share-out-of-range": CodeInfo(
        "比重超出 0–100", "单位为 % 的数值（以及下降百分比）必须在 0 到 100 之间。",
        "核对数值；比重填百分数本身，例如 20% 填 20"),
    "missing-unit": CodeInfo(
        "缺少单位", "每个指标都必须有计量单位。",
        "填写 unit，例如 %、万千瓦、万吨；无量纲的指标填“无”"),
    "comparable-unit-mismatch": _warning(
        "可比指标单位不同", "两个被标为可比的指标单位不同，网站上的对照可能误导读者。",
        "核对两个指标的单位；若确实不可比，清空 comparable_indicator_id"),
    "duplicate-final-value": CodeInfo(
        "同一年有多个最终数值", "同一规划的同一指标同一年份只能有一个 status 为 final 的数值。",
        "保留一个 final 数值；其他来源的数值改为 revised 或 preliminary，或删除"),
    "quote-empty": CodeInfo(
        "原文引文为空", "原文引文（quote_zh）只有空白字符；每个目标和项目都必须能追溯到规划原文。",
        "把规划中设定该目标的原话逐字粘贴到 quote_zh"),
    "quote-untrimmed": _warning(
        "引文首尾有空白", "原文引文（quote_zh）开头或结尾有空格或换行。",
        "删除引文开头和结尾的空白字符"),
    "quote-furniture": CodeInfo(
        "引文含有版面文字", "原文引文中含有转录件的版面文字（页眉、页脚、转版标注等，见 datapackage.json 的 plan_text_furniture），不是规划原话。",
        "从引文中删去版面文字，只保留规划原话"),
    "quote-not-found": _warning(
        "引文在原文中找不到", "原文引文在该规划的原文转录件中找不到（忽略空白和全角半角差别），网站无法在标注版原文中标出它。",
        "从原文转录件中逐字复制引文；如果原文转录件有错，请核对后修正转录件"),
    "value-scale": _warning(
        "数值的数量级可疑", "公开数值与该指标的目标值、基准值或相邻年份的数值相差约 10、100 或 1000 倍，常见原因是单位换算错误（如把 8.3% 写成 0.083）。",
        "核对来源原文中的数值和单位：比重填百分数本身（8.3% 填 8.3），万吨、万千瓦等按指标的单位换算后再填"),
    "source-date-future": CodeInfo(
        "来源日期在未来", "来源的发布日期晚于今天，不可能已经发布。",
        "核对 sources.csv 的 date，按 YYYY-MM-DD 填写来源实际的发布日期"),
    "accessed-future": CodeInfo(
        "查阅日期在未来", "来源的查阅日期（accessed）晚于今天。",
        "accessed 填写实际打开、核对该来源的日期，按 YYYY-MM-DD 填写"),
    "accessed-before-published": CodeInfo(
        "查阅日期早于发布日期", "来源的查阅日期早于它的发布日期，不可能在发布前查阅。",
        "核对 date（发布日期）和 accessed（查阅日期），两者可能填反了"),
    "unused-source": _warning(
        "来源没有被使用", "sources.csv 中的这个来源没有被任何公开数值或重点项目引用。",
        "删除这一行，或在 observations.csv 中补上引用它的数值；如果是拼写不同，改成一致的 source_id"),
    "task-without-department": CodeInfo(
        "任务没有责任单位", "原文写明了责任单位（responsibility_zh 不为空）的任务，在 task_departments 中至少要有一个责任单位。",
        "在 task_departments.csv 中为该任务添加责任单位（原文括号中的单位，第一个为牵头单位）"),
    "task-lead-count": CodeInfo(
        "牵头单位数量不对", "每项任务必须正好有一个牵头单位（role 为 lead）。",
        "在 task_departments.csv 中把该任务的第一个单位设为 lead，其余设为 support"),
    "status-without-source": CodeInfo(
        "项目状态没有来源", "重点项目的状态不是 unknown 时，必须注明支持该状态的公开来源。",
        "填写 status_source_id（sources.csv 中的来源），或把 status 改回 unknown"),
    "formula-injection": CodeInfo(
        "单元格会被 Excel 当作公式", "文字单元格以 =、+、-、@（或制表符、回车）开头，记者用 Excel 打开下载的 CSV 时会被当作公式执行。",
        "删除开头的这个字符，或改写使其不以 = + - @ 开头（例如把“-”改为“负”或“—”）"),
    # --- the data-entry workbook (carbon-site template / carbon-site import) ---
    "workbook-invalid": CodeInfo(
        "工作簿无法读取", "要导入的文件不是 Excel 工作簿（.xlsx），或已损坏、加了打开密码，或是旧的 .xls 格式。",
        "在 Excel 或 WPS 中打开后“另存为”，文件类型选“Excel 工作簿（*.xlsx）”，不要设置打开密码；"
        "或用 carbon-site template 重新生成工作簿"),
    "workbook-sheet-missing": CodeInfo(
        "缺少工作表", "工作簿中缺少导入需要的工作表（“新增数值”或“来源”），常见原因是工作表被改名或删除。",
        "把工作表名称改回原名；如果已经删除，请用 carbon-site template 重新生成工作簿，再把填写的内容复制过去"),
    "workbook-column-missing": CodeInfo(
        "工作表缺少列", "工作表第 1 行（列名）中缺少导入需要的一列，常见原因是列名被改动或整列被删除。",
        "把列名改回 carbon-site template 生成时的样子（如“年份（year）”），或重新生成工作簿后再填写"),
    "workbook-cell-type": CodeInfo(
        "单元格内容不是填写的值", "单元格是公式、错误值、日期或百分比格式的数字，而这一列要的是直接填写的文字或数字："
        "Excel 会把 2023-12-26 变成日期、把 8.6% 变成 0.086，导入无法知道原来填的是什么。",
        "把单元格格式设为“文本”或“常规”后重新输入；公式请复制后“选择性粘贴为数值”；百分数填数字本身，例如 8.6% 填 8.6"),
    "import-conflict": CodeInfo(
        "数据文件在导入时被改动", "导入检查之后、写入之前，observations.csv 或 sources.csv 被其他程序或其他人改动了；"
        "为免覆盖这些改动，导入没有写入任何文件。",
        "确认另一处的改动已经保存，再重新运行 carbon-site import 工作簿.xlsx --apply"),
    "import-no-values-package": CodeInfo(
        "没有公开数值数据包", "数据目录中没有公开数值数据包（含 observations 和 sources 表），工作簿中的数值和来源无处可写。",
        "把公开数值数据包（如 published-values，可从 carbon-site init 生成的项目中复制）放进数据目录，再导入"),
}


def problem(code: str, message: str, *, file: str | None = None, row: int | None = None,
            field: str | None = None, hint: str | None = None, severity: str | None = None) -> Problem:
    """Make a Problem, taking the hint and severity from the catalogue unless given."""
    info = CATALOGUE[code]  # an unknown code is a programming error, not a data problem
    return Problem(code, message, file, row, field, hint or info.hint, severity or info.severity)


def sort_key(p: Problem) -> tuple:
    return (p.file or "", p.row or 0, p.field or "", p.code, p.message)


# Shown escaped: C0 controls but tab and newline, DEL, C1 controls, and the characters
# that reorder or hide text (bidi overrides, zero-width joiners) in a terminal.
_INVISIBLE_FORMATS = {0x200B, 0x200E, 0x200F, 0x2028, 0x2029, 0xFEFF} | set(range(0x202A, 0x202F)) | set(range(0x2066, 0x206A))


def _escape_char(ch: str) -> str:
    code = ord(ch)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}"


def printable(text: object, *, keep_newlines: bool = False) -> str:
    """Text safe to print on a terminal: every control character shown as an escape (\\x1b, \\x00, ...)."""
    out = []
    for ch in str(text):
        code = ord(ch)
        if ch == "\n" and keep_newlines:
            out.append(ch)
        elif code < 0x20 or 0x7F <= code < 0xA0 or code in _INVISIBLE_FORMATS:
            out.append(_escape_char(ch))
        elif unicodedata.category(ch) == "Cs":  # a lone surrogate (undecodable bytes in a file name)
            out.append(_escape_char(ch))
        else:
            out.append(ch)
    return "".join(out)


def format_text(problems: list[Problem], command: str = "validate") -> str:
    """Compiler-style lines, sorted by file and row, then one summary line; safe to print on a terminal."""
    lines = []
    for p in sorted(problems, key=sort_key):
        where = p.file or "(数据目录)"
        if p.row is not None:
            where += f":{p.row}"
        field = f"字段 {p.field}：" if p.field and p.field not in p.message else ""
        level = "" if p.is_error else "警告 "
        lines.append(printable(f"{where} [{p.code}] {level}{field}{p.message}"))
        if p.hint:
            lines.append(printable(f"    提示：{p.hint}"))
    lines.append(summary_line(problems, command))
    return "\n".join(lines)


def summary_line(problems: list[Problem], command: str = "validate") -> str:
    errors = sum(p.is_error for p in problems)
    warnings = len(problems) - errors
    files = len({p.file for p in problems if p.file})
    if not problems:
        return f"{command}: 没有发现问题"
    return f"{command}: {errors} 个错误，{warnings} 个警告（{files} 个文件）"


def format_json(problems: list[Problem]) -> str:
    """A JSON document: the problems (sorted) and counts, for machines (JSON escapes every control character)."""
    items = [asdict(p) for p in sorted(problems, key=sort_key)]
    errors = sum(p.is_error for p in problems)
    doc = {"valid": errors == 0, "errors": errors, "warnings": len(problems) - errors, "problems": items}
    return json_text(doc)


def json_text(doc: object) -> str:
    """JSON for a terminal or a pipe: readable Chinese, but every control character escaped (also DEL and C1)."""
    text = json.dumps(doc, ensure_ascii=False, indent=2, sort_keys=True)
    return "".join(f"\\u{ord(ch):04x}" if 0x7F <= ord(ch) < 0xA0 or ord(ch) in _INVISIBLE_FORMATS else ch
                   for ch in text)


class DataInvalid(Exception):
    """The data (or the site configuration) has errors, so nothing was built. Carries every problem found."""

    def __init__(self, problems: list[Problem]):
        super().__init__(f"{sum(p.is_error for p in problems)} data errors")
        self.problems = problems


class Report:
    """Problems collected while reading or checking, in the order found."""

    def __init__(self) -> None:
        self.problems: list[Problem] = []

    def add(self, code: str, message: str, **where) -> None:
        """Record one problem (file, row, field, hint, severity as keywords)."""
        self.problems.append(problem(code, message, **where))

    def extend(self, problems) -> None:
        """Record problems made elsewhere."""
        self.problems.extend(problems)

    @property
    def error_count(self) -> int:
        """How many errors (not warnings) have been recorded."""
        return sum(p.is_error for p in self.problems)

    @property
    def has_errors(self) -> bool:
        return any(p.is_error for p in self.problems)
