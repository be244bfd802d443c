package org.uneurons.core.io;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.stream.Collectors;

import net.razorvine.pickle.IObjectConstructor;
import net.razorvine.pickle.Opcodes;
import net.razorvine.pickle.PickleException;
import net.razorvine.pickle.PickleUtils;
import net.razorvine.pickle.Unpickler;

import org.uneurons.core.cli.InputException;

/**
 * The pickle of a pytorch_model.bin ({@code <archive>/data.pkl}) read into tensor descriptions, without any tensor
 * data: torch.save pickles a state dict (an OrderedDict or dict of name to tensor), every tensor as
 * {@code torch._utils._rebuild_tensor_v2(storage, storage_offset, size, stride, requires_grad, backward_hooks)} and
 * every storage as the persistent id {@code ('storage', torch.<Type>Storage, key, location, numel)}, whose bytes are
 * the archive entry {@code <archive>/data/<key>}.
 *
 * <p>Read with razorvine's pickle library: constructors are registered for the torch globals and
 * {@code persistentLoad} turns storage ids into references. Only the globals a state dict needs are allowed (the
 * tensor rebuilds, the storage types, {@code collections.OrderedDict}); any other global stops the read with an error
 * naming it, before anything is constructed, so a pickle can neither run code nor smuggle in objects.
 */
final class TorchPickle {
    /** torch storage class -> element type (the dtype of every tensor built on it). */
    static final Map<String, Dtype> STORAGE_TYPES = Map.of(
            "FloatStorage", Dtype.F32, "HalfStorage", Dtype.F16, "BFloat16Storage", Dtype.BF16,
            "DoubleStorage", Dtype.F64, "LongStorage", Dtype.I64, "IntStorage", Dtype.I32,
            "ShortStorage", Dtype.I16, "CharStorage", Dtype.I8, "ByteStorage", Dtype.U8, "BoolStorage", Dtype.BOOL);
    private static final String REBUILD_V2 = "torch._utils._rebuild_tensor_v2";
    private static final String REBUILD_V1 = "torch._utils._rebuild_tensor";
    private static final String PARAMETER = "torch._utils._rebuild_parameter";
    private static final String ORDERED_DICT = "collections.OrderedDict";
    /** Every global a state dict may name. */
    private static final Set<String> ALLOWED;

    static {
        Unpickler.registerConstructor("collections", "OrderedDict", TorchPickle::orderedDict);
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor_v2", TorchPickle::rebuild);
        Unpickler.registerConstructor("torch._utils", "_rebuild_tensor", TorchPickle::rebuild);
        Unpickler.registerConstructor("torch._utils", "_rebuild_parameter", TorchPickle::parameter);
        for (Map.Entry<String, Dtype> e : STORAGE_TYPES.entrySet()) {
            Unpickler.registerConstructor("torch", e.getKey(), new StorageType("torch." + e.getKey(), e.getValue()));
        }
        Set<String> allowed = new HashSet<>(Set.of(REBUILD_V2, REBUILD_V1, PARAMETER, ORDERED_DICT));
        STORAGE_TYPES.keySet().forEach(s -> allowed.add("torch." + s));
        ALLOWED = Set.copyOf(allowed);
    }

    private TorchPickle() {
    }

    /** A storage type global (torch.HalfStorage): only ever an element of a persistent id, never called. */
    record StorageType(String name, Dtype dtype) implements IObjectConstructor {
        @Override
        public Object construct(Object[] args) {
            throw new PickleException(name + " is called; a state dict only names storage types in persistent ids");
        }
    }

    /** A persistent id: archive entry {@code data/<key>}, holding {@code numel} elements of {@code dtype}. */
    record StorageRef(String key, Dtype dtype, String typeName, long numel) {
    }

    /** What _rebuild_tensor_v2 was given: a view of a storage. */
    record TensorRef(StorageRef storage, long offset, long[] size, long[] stride) {
    }

    /** An OrderedDict; its state (the {@code _metadata} of a module's state_dict) is accepted and ignored. */
    public static final class StateDict extends LinkedHashMap<Object, Object> {
        private static final long serialVersionUID = 1L;

        /** Called by the BUILD opcode (by reflection, so public). */
        public void __setstate__(HashMap<?, ?> state) {
            // the state dict's _metadata (module versions) is not needed to read the tensors
        }
    }

    private static Object orderedDict(Object[] args) {
        if (args.length != 0) {
            throw new PickleException("collections.OrderedDict is called with " + args.length
                    + " arguments; torch.save pickles it with none");
        }
        return new StateDict();
    }

    private static Object rebuild(Object[] args) {
        if (args.length < 4 || !(args[0] instanceof StorageRef s)) {
            throw new PickleException("a tensor rebuild is called with " + Arrays.toString(args)
                    + ", expected (storage, storage_offset, size, stride, ...)");
        }
        return new TensorRef(s, integer(args[1], "storage_offset"), integers(args[2], "size"),
                integers(args[3], "stride"));
    }

    private static Object parameter(Object[] args) {
        if (args.length < 1 || !(args[0] instanceof TensorRef)) {
            throw new PickleException("torch._utils._rebuild_parameter is called without a tensor");
        }
        return args[0];
    }

    private static long integer(Object o, String what) {
        if (o instanceof Integer || o instanceof Long) {
            return ((Number) o).longValue();
        }
        throw new PickleException(what + " is " + o + ", expected an integer");
    }

    private static long[] integers(Object o, String what) {
        if (!(o instanceof Object[] a)) {
            throw new PickleException(what + " is " + o + ", expected a tuple of integers");
        }
        long[] out = new long[a.length];
        for (int i = 0; i < a.length; i++) {
            out[i] = integer(a[i], what + "[" + i + "]");
        }
        return out;
    }

    /**
     * The state dict pickled in {@code bytes}: tensor name to the view it describes, sorted by name. {@code where}
     * ("FILE: archive entry NAME") starts every error message.
     */
    static Map<String, TensorRef> read(byte[] bytes, String where) {
        Object root;
        try (Reader r = new Reader(where)) {
            root = r.load(new ByteArrayInputStream(bytes));
        } catch (PickleException | IOException | ClassCastException | IllegalArgumentException e) {
            throw new InputException(where + " is not a readable torch.save pickle: " + message(e));
        }
        if (!(root instanceof Map<?, ?> map)) {
            throw new InputException(where + " holds " + kind(root) + ", expected a state dict (tensor name -> tensor)");
        }
        Map<String, TensorRef> out = new TreeMap<>();
        for (Map.Entry<?, ?> e : map.entrySet()) {
            if (!(e.getKey() instanceof String name)) {
                throw new InputException(where + ": state dict key " + e.getKey() + " is not a string");
            }
            if (!(e.getValue() instanceof TensorRef t)) {
                throw new InputException(where + ": entry '" + name + "' is " + kind(e.getValue()) + ", not a tensor");
            }
            out.put(name, t);
        }
        return out;
    }

    private static String message(Exception e) {
        Throwable t = e;
        while (t.getCause() != null && (t.getMessage() == null || t instanceof PickleException
                && "failed to __setstate__()".equals(t.getMessage()))) {
            t = t.getCause();
        }
        String m = t.getMessage();
        return m == null || m.isBlank() ? t.getClass().getSimpleName() : m;
    }

    private static String kind(Object o) {
        return o == null ? "None" : o instanceof Map ? "a dict" : o instanceof Object[] ? "a tuple"
                : o instanceof java.util.List ? "a list" : "a " + o.getClass().getSimpleName();
    }

    /** The unpickler with the allow-list and persistent ids of a torch.save state dict. */
    private static final class Reader extends Unpickler implements AutoCloseable {
        private final String where;

        Reader(String where) {
            this.where = where;
        }

        @Override
        protected Object dispatch(short key) throws PickleException, IOException {
            switch (key) {
                case Opcodes.GLOBAL, Opcodes.INST -> {
                    input.mark(Integer.MAX_VALUE);
                    String module = PickleUtils.readline(input);
                    String name = PickleUtils.readline(input);
                    input.reset();
                    allow(module, name);
                }
                case Opcodes.STACK_GLOBAL -> {
                    Object name = stack.pop();
                    Object module = stack.pop();
                    allow(String.valueOf(module), String.valueOf(name));
                    stack.add(module);
                    stack.add(name);
                }
                case Opcodes.EXT1, Opcodes.EXT2, Opcodes.EXT4 ->
                    throw new InputException(where + " uses the pickle extension registry, which torch.save never does");
                default -> {
                    // every other opcode builds plain data
                }
            }
            return super.dispatch(key);
        }

        private void allow(String module, String name) {
            String global = module + "." + name;
            if (ALLOWED.contains(global)) {
                return;
            }
            if (module.equals("torch") && name.endsWith("Storage")) {
                throw new InputException(where + " has tensors of storage type " + global + ", which is not supported"
                        + " (expected one of " + new TreeMap<>(STORAGE_TYPES).keySet().stream().map(s -> "torch." + s)
                        .collect(Collectors.joining(", ")) + ")");
            }
            if (module.startsWith("torch")) {
                throw new InputException(where + " calls " + global + ", which this reader does not support (it reads"
                        + " state dicts of plain tensors, " + REBUILD_V2 + " on the torch storage types; not float8 or"
                        + " unsigned 16-64 bit tensors, tensor subclasses or quantized tensors)");
            }
            throw new InputException(where + " calls " + global + ", which is not a PyTorch tensor rebuild (a state dict"
                    + " of tensors names only " + REBUILD_V2 + ", the torch storage types and " + ORDERED_DICT + ")");
        }

        @Override
        protected Object persistentLoad(Object pid) {
            if (!(pid instanceof Object[] t) || t.length < 5 || !"storage".equals(t[0])
                    || !(t[1] instanceof StorageType type) || !(t[2] instanceof String key)) {
                throw new InputException(where + ": persistent id " + (pid instanceof Object[] a ? Arrays.toString(a) : pid)
                        + " is not ('storage', torch.<Type>Storage, key, location, numel)");
            }
            long numel = integer(t[4], "storage numel");
            if (numel < 0) {
                throw new InputException(where + ": storage '" + key + "' has " + numel + " elements");
            }
            return new StorageRef(key, type.dtype(), type.name(), numel);
        }
    }
}
