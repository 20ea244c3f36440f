<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="zh_CN">
<context>
    <name>TensorEditor</name>
    <message>
        <source>No tensors yet.
Press Ctrl+N (or New tensor…) to make one.</source>
        <translation>还没有张量。
按 Ctrl+N（或“新建张量…”）创建一个。</translation>
    </message>
    <message>
        <source>Select a tensor above to see and edit its values.</source>
        <translation>在上方选择一个张量，即可查看和编辑它的值。</translation>
    </message>
</context>
<context>
    <name>TensorGridModel</name>
    <message>
        <source>double-click or type to edit</source>
        <translation>双击或直接输入即可编辑</translation>
    </message>
    <message>
        <source>read-only: backward writes .grad</source>
        <translation>只读：.grad 由反向传播写入</translation>
    </message>
    <message>
        <source>type a number (or True/False) to change the value</source>
        <translation>输入一个数（或 True/False）来修改这个值</translation>
    </message>
    <message>
        <source>{0} holds whole numbers only, so it cannot store {1}</source>
        <translation>{0} 只能存放整数，因此无法存入 {1}</translation>
    </message>
    <message>
        <source>{0} holds {1} … {2}; {3} does not fit</source>
        <translation>{0} 的取值范围是 {1} … {2}；{3} 超出了这个范围</translation>
    </message>
    <message>
        <source>Edit refused: {0}</source>
        <translation>编辑被拒绝：{0}</translation>
    </message>
    <message>
        <source>value</source>
        <translation>值</translation>
    </message>
    <message>
        <source>index along dim {0}</source>
        <translation>沿第 {0} 维的索引</translation>
    </message>
</context>
<context>
    <name>TensorList</name>
    <message>
        <source>name</source>
        <translation>名称</translation>
    </message>
    <message>
        <source>shape</source>
        <translation>形状</translation>
    </message>
    <message>
        <source>autograd</source>
        <translation>自动微分</translation>
    </message>
    <message>
        <source>the tensor&apos;s name in the session and in the code</source>
        <translation>张量在会话和代码中的名称</translation>
    </message>
    <message>
        <source>size along each axis</source>
        <translation>每个轴上的大小</translation>
    </message>
    <message>
        <source>element type</source>
        <translation>元素类型</translation>
    </message>
    <message>
        <source>leaf ✓grad: a leaf that requires grad (it gets a .grad);
XxxBackward0: made by an op autograd recorded;
—: a constant autograd does not track</source>
        <translation>叶子 ✓grad：需要梯度的叶子（它会得到 .grad）；
XxxBackward0：由自动微分记录的运算产生；
—：自动微分不追踪的常量</translation>
    </message>
    <message>
        <source>leaf ✓grad</source>
        <translation>叶子 ✓grad</translation>
    </message>
    <message>
        <source> on {0}</source>
        <translation>，位于 {0}</translation>
    </message>
    <message>
        <source>{0}: {1}{2}, shape {3}</source>
        <translation>{0}：{1}{2}，形状 {3}</translation>
    </message>
</context>
<context>
    <name>WorkspacePanel</name>
    <message>
        <source>New tensor…</source>
        <translation>新建张量…</translation>
    </message>
    <message>
        <source>Create a named tensor (Ctrl+N)</source>
        <translation>创建一个具名张量（Ctrl+N）</translation>
    </message>
    <message>
        <source>Delete</source>
        <translation>删除</translation>
    </message>
    <message>
        <source>Delete the selected tensor (Del); Ctrl+Z brings it back</source>
        <translation>删除选中的张量（Del）；Ctrl+Z 可以恢复</translation>
    </message>
    <message>
        <source>edit .data (untracked)</source>
        <translation>编辑 .data（不被追踪）</translation>
    </message>
    <message>
        <source>Write through .data: autograd does not see the change and the version counter stays the same (as the notes warn, gradients may then be wrong).</source>
        <translation>通过 .data 写入：自动微分看不到这次修改，版本计数器也保持不变（正如笔记所提醒的，之后算出的梯度可能是错的）。</translation>
    </message>
    <message>
        <source>show .grad (read-only)</source>
        <translation>显示 .grad（只读）</translation>
    </message>
    <message>
        <source>Show the selected tensor&apos;s .grad in the grid instead of its values. Read-only: backward writes .grad (or zero it from the console).</source>
        <translation>在表格中显示选中张量的 .grad，而不是它的值。只读：.grad 由反向传播写入（也可以在控制台中把它清零）。</translation>
    </message>
    <message>
        <source>A tensor with more than 2 dims is shown one 2-D slice at a time</source>
        <translation>超过 2 维的张量每次显示一个二维切片</translation>
    </message>
    <message>
        <source>Values (edit elements)</source>
        <translation>数值（编辑元素）</translation>
    </message>
    <message>
        <source>Show or hide the value grid, where elements are edited</source>
        <translation>显示或隐藏数值表格（在其中编辑元素）</translation>
    </message>
    <message>
        <source>{0}.grad is None: run backward first (or untick show .grad)</source>
        <translation>{0}.grad 为 None：请先运行反向传播（或取消勾选“显示 .grad”）</translation>
    </message>
    <message>
        <source>{0} is empty: shape {1} has no elements</source>
        <translation>{0} 为空：形状 {1} 不含任何元素</translation>
    </message>
    <message>
        <source>dim {0}: </source>
        <translation>第 {0} 维：</translation>
    </message>
    <message>
        <source>which index along dim {0} (0 … {1}) the grid shows</source>
        <translation>表格显示沿第 {0} 维的哪个索引（0 … {1}）</translation>
    </message>
    <message>
        <source>Select a tensor to delete</source>
        <translation>请先选择要删除的张量</translation>
    </message>
    <message>
        <source>Deleted {0} (Ctrl+Z brings it back)</source>
        <translation>已删除 {0}（Ctrl+Z 可以恢复）</translation>
    </message>
</context>
<context>
    <name>g</name>
    <message>
        <source>value</source>
        <translation>值</translation>
    </message>
</context>
</TS>
