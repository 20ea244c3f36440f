<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>TrainingPanel</name>
    <message>
        <source>gradviz checkpoints (*.pt *.ckpt);;All files (*)</source>
        <translation>gradviz 检查点 (*.pt *.ckpt);;所有文件 (*)</translation>
    </message>
    <message>
        <source>loaded from a checkpoint:
it keeps the model, not the history</source>
        <translation>从检查点加载：
它保存了模型，但没有保存历史</translation>
    </message>
    <message>
        <source>Diagnosis</source>
        <translation>诊断</translation>
    </message>
    <message>
        <source>Compare</source>
        <translation>比较</translation>
    </message>
    <message>
        <source>Start</source>
        <translation>开始</translation>
    </message>
    <message>
        <source>Start a new run with these settings</source>
        <translation>用这些设置开始一次新的运行</translation>
    </message>
    <message>
        <source>Pause</source>
        <translation>暂停</translation>
    </message>
    <message>
        <source>Pause after this step</source>
        <translation>这一步之后暂停</translation>
    </message>
    <message>
        <source>Stop</source>
        <translation>停止</translation>
    </message>
    <message>
        <source>End the run; the model is kept</source>
        <translation>结束运行；模型会保留</translation>
    </message>
    <message>
        <source>Step</source>
        <translation>单步</translation>
    </message>
    <message>
        <source>Train on one batch, then pause</source>
        <translation>在一个批量上训练，然后暂停</translation>
    </message>
    <message>
        <source>not started</source>
        <translation>尚未开始</translation>
    </message>
    <message>
        <source>Training</source>
        <translation>训练</translation>
    </message>
    <message>
        <source>Speed</source>
        <translation>速度</translation>
    </message>
    <message>
        <source>Save model…</source>
        <translation>保存模型…</translation>
    </message>
    <message>
        <source>Save weights and settings</source>
        <translation>保存权重和设置</translation>
    </message>
    <message>
        <source>Load model…</source>
        <translation>加载模型…</translation>
    </message>
    <message>
        <source>Load a saved checkpoint (safe: no code runs)</source>
        <translation>加载保存的检查点（安全：不运行任何代码）</translation>
    </message>
    <message>
        <source>Export CSV…</source>
        <translation>导出 CSV…</translation>
    </message>
    <message>
        <source>Save every recorded metric as CSV</source>
        <translation>把记录的所有指标保存为 CSV</translation>
    </message>
    <message>
        <source>Export plots…</source>
        <translation>导出图表…</translation>
    </message>
    <message>
        <source>Save each plot as a PNG in a folder</source>
        <translation>把每张图表保存为文件夹中的 PNG</translation>
    </message>
    <message>
        <source>Inspect this step</source>
        <translation>查看这一步</translation>
    </message>
    <message>
        <source>Show the graph of the next batch&apos;s loss, grouped by module</source>
        <translation>显示下一个批量的损失的计算图，按模块分组</translation>
    </message>
    <message>
        <source>Write TensorBoard logs</source>
        <translation>写入 TensorBoard 日志</translation>
    </message>
    <message>
        <source>Event files go to ~/gradviz-runs/&lt;demo&gt;-&lt;time&gt;</source>
        <translation>事件文件写到 ~/gradviz-runs/&lt;demo&gt;-&lt;time&gt;</translation>
    </message>
    <message>
        <source>Needs the optional tensorboard package: pip install tensorboard</source>
        <translation>需要可选的 tensorboard 包：`pip install tensorboard`</translation>
    </message>
    <message>
        <source>Model and results</source>
        <translation>模型与结果</translation>
    </message>
    <message>
        <source>Resume</source>
        <translation>继续</translation>
    </message>
    <message>
        <source>Go on training</source>
        <translation>继续训练</translation>
    </message>
    <message>
        <source>not started: press Start, or Step for one batch</source>
        <translation>尚未开始：按“开始”，或按“单步”训练一个批量</translation>
    </message>
    <message>
        <source>not started: Start runs your model file, then trains it</source>
        <translation>尚未开始：“开始”会先运行你的模型文件，再训练它</translation>
    </message>
    <message>
        <source>Diagnosis ({0})</source>
        <translation>诊断（{0}）</translation>
    </message>
    <message>
        <source>running {0} (Python code)…</source>
        <translation>正在运行 {0}（Python 代码）…</translation>
    </message>
    <message>
        <source>cannot start: {0}</source>
        <translation>无法开始：{0}</translation>
    </message>
    <message>
        <source>{0} (your code)</source>
        <translation>{0}（你的代码）</translation>
    </message>
    <message>
        <source>stepping {0} on {1} with {2}, lr {3}</source>
        <translation>单步训练 {0}，设备 {1}，优化器 {2}，学习率 {3}</translation>
    </message>
    <message>
        <source>training {0} on {1} with {2}, lr {3}</source>
        <translation>正在训练 {0}，设备 {1}，优化器 {2}，学习率 {3}</translation>
    </message>
    <message>
        <source>paused: Step trains one batch, Resume goes on</source>
        <translation>已暂停：“单步”训练一个批量，“继续”接着训练</translation>
    </message>
    <message>
        <source>training</source>
        <translation>正在训练</translation>
    </message>
    <message>
        <source>this run is finished: Start begins a new one</source>
        <translation>这次运行已结束：按“开始”开始新的运行</translation>
    </message>
    <message>
        <source>training stops after the current layer; exit waits for it</source>
        <translation>训练会在当前层之后停止；退出会等它结束</translation>
    </message>
    <message>
        <source>paused: {0}</source>
        <translation>已暂停：{0}</translation>
    </message>
    <message>
        <source>finished {0} steps</source>
        <translation>已完成 {0} 步</translation>
    </message>
    <message>
        <source>{0}: {1}</source>
        <translation>{0}：{1}</translation>
    </message>
    <message>
        <source>stopped at step {0}: Resume goes on, Save keeps the model</source>
        <translation>停在第 {0} 步：“继续”接着训练，“保存”保留模型</translation>
    </message>
    <message>
        <source>until paused</source>
        <translation>直到暂停</translation>
    </message>
    <message>
        <source>TensorBoard logs: {0}</source>
        <translation>TensorBoard 日志：{0}</translation>
    </message>
    <message>
        <source>TensorBoard logging is off: {0}</source>
        <translation>TensorBoard 日志已关闭：{0}</translation>
    </message>
    <message>
        <source>nothing to save yet: train first</source>
        <translation>还没有可保存的内容：请先训练</translation>
    </message>
    <message>
        <source>pause or stop training to save the model</source>
        <translation>请先暂停或停止训练，再保存模型</translation>
    </message>
    <message>
        <source>saved the model at step {0} to {1}</source>
        <translation>已把第 {0} 步的模型保存到 {1}</translation>
    </message>
    <message>
        <source>stop training before loading a model</source>
        <translation>加载模型前请先停止训练</translation>
    </message>
    <message>
        <source>loading {name}: running {file} (Python code)…</source>
        <translation>正在加载 {name}：正在运行 {file}（Python 代码）…</translation>
    </message>
    <message>
        <source>loaded at step {0} of {1}</source>
        <translation>已加载，第 {0} / {1} 步</translation>
    </message>
    <message>
        <source>loaded {0}: a finished run ({1} steps). Start trains anew; Save and Inspect this step use this model. Checkpoints keep no history: no curves.</source>
        <translation>已加载 {0}：一次已结束的运行（{1} 步）。“开始”会重新训练；“保存”和“查看这一步”使用这个模型。检查点不保存历史：没有曲线。</translation>
    </message>
    <message>
        <source>loaded {0} at step {1}: Resume goes on training. Checkpoints keep no history: the curves start here.</source>
        <translation>已加载 {0}，第 {1} 步：“继续”接着训练。检查点不保存历史：曲线从这里开始。</translation>
    </message>
    <message>
        <source>no metrics to export yet: train first</source>
        <translation>还没有可导出的指标：请先训练</translation>
    </message>
    <message>
        <source>cannot export CSV: {0}</source>
        <translation>无法导出 CSV：{0}</translation>
    </message>
    <message>
        <source>metrics written to {0}</source>
        <translation>指标已写入 {0}</translation>
    </message>
    <message>
        <source>cannot export plots: {0} is not a folder</source>
        <translation>无法导出图表：{0} 不是文件夹</translation>
    </message>
    <message>
        <source>could only write {0} of {1} plots</source>
        <translation>只写出了 {1} 张图表中的 {0} 张</translation>
    </message>
    <message>
        <source>{0} plots saved as PNG in {1}</source>
        <translation>{0} 张图表已保存为 PNG，位于 {1}</translation>
    </message>
    <message>
        <source>Save model</source>
        <translation>保存模型</translation>
    </message>
    <message>
        <source>Load model</source>
        <translation>加载模型</translation>
    </message>
    <message>
        <source>Export metrics</source>
        <translation>导出指标</translation>
    </message>
    <message>
        <source>Folder for the plot images</source>
        <translation>存放图表图片的文件夹</translation>
    </message>
    <message>
        <source>asked {0} for its next step&apos;s loss graph</source>
        <translation>已向 {0} 请求其下一步的损失的计算图</translation>
    </message>
    <message>
        <source>{0} is no longer connected</source>
        <translation>{0} 已断开连接</translation>
    </message>
    <message>
        <source>pause or stop training to inspect a step</source>
        <translation>请先暂停或停止训练，再查看一步</translation>
    </message>
    <message>
        <source>the graph view is not available in this build</source>
        <translation>此版本中没有计算图视图</translation>
    </message>
    <message>
        <source>cannot capture this step: {0}</source>
        <translation>无法捕获这一步：{0}</translation>
    </message>
    <message>
        <source>graph of step {0}&apos;s loss ({1} samples) sent to the graph view</source>
        <translation>第 {0} 步的损失的计算图（{1} 个样本）已发送到计算图视图</translation>
    </message>
    <message>
        <source>no model yet</source>
        <translation>还没有模型</translation>
    </message>
    <message>
        <source>{0}: {1} parameters at step {2}</source>
        <translation>{0}：{1} 个参数，第 {2} 步</translation>
    </message>
    <message>
        <source>showing {0} ({1})</source>
        <translation>正在显示 {0}（{1}）</translation>
    </message>
    <message>
        <source>{0}: {1} run, step {2}</source>
        <translation>{0}：{1}的运行，第 {2} 步</translation>
    </message>
    <message>
        <source>cannot inspect {0}: {1}</source>
        <translation>无法查看 {0}：{1}</translation>
    </message>
    <message>
        <source>scripts calling gradviz.watch() appear here live (port {0})</source>
        <translation>调用 gradviz.watch() 的脚本会实时出现在这里（端口 {0}）</translation>
    </message>
    <message>
        <source>graph of {0}&apos;s step {1} loss sent to the graph view</source>
        <translation>{0} 第 {1} 步的损失的计算图已发送到计算图视图</translation>
    </message>
    <message>
        <source>{name} step {step} loss</source>
        <translation>{name} 第 {step} 步的损失</translation>
    </message>
    <message>
        <source>{name}&apos;s step {step}: its backward ({n} nodes) is in the Backward panel</source>
        <translation>{name} 的第 {step} 步：它的反向传播（{n} 个节点）已在“反向传播”面板中</translation>
    </message>
    <message>
        <source>{0}: cannot read its folder ({1}); showing what streams in</source>
        <translation>{0}：无法读取它的文件夹（{1}）；只显示实时传来的数据</translation>
    </message>
    <message>
        <source>{0} attached live</source>
        <translation>{0} 已实时连接</translation>
    </message>
    <message>
        <source>opened {0}: {1} records</source>
        <translation>已打开 {0}：{1} 条记录</translation>
    </message>
    <message>
        <source> ({0} unreadable lines skipped)</source>
        <translation>（跳过了 {0} 行无法读取的内容）</translation>
    </message>
    <message>
        <source>stopped following {name}: {exc}</source>
        <translation>已停止跟踪 {name}：{exc}</translation>
    </message>
    <message>
        <source>Open a run folder (runs/&lt;name&gt;)</source>
        <translation>打开运行记录文件夹（runs/&lt;name&gt;）</translation>
    </message>
</context>
</TS>
